/**
 * What a start of each CLI preset writes and passes, on real files and a real git repository:
 * command resolution on PATH, the settings/hook/instruction files, trust entries, resume, and
 * that nothing gt writes reaches a commit.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CommandNotFoundError, findCommand, resolveCommand } from '../../internal/agent/command-path.js';
import { claudeConfigFile, trustClaudeDirectory } from '../../internal/agent/claude-config.js';
import { GT_FILE_MARKER, writePrimingFile } from '../../internal/agent/priming.js';
import { getRuntime, identityNames, planStart, presetRuntime } from '../../internal/agent/runtimes.js';
import { settingsSchema } from '../../internal/config/settings.js';
import { processMatches } from '../../internal/agent/proctree.js';
import { compileProcessNames } from '../../internal/agent/process-names.js';
import type { ProcInfo } from '../../internal/fsx/proc.js';
import { GEMINI_HOOK_EVENTS } from '../../internal/agent/hooks/events.js';
import { GEMINI_SETTINGS_MARKER } from '../../internal/agent/runtimes/gemini.js';
import { opencodeConfigContent } from '../../internal/agent/runtimes/opencode-plugin.js';
import { tempDir } from '../helpers/town.js';
import { gitIn, makeSourceRepo } from '../helpers/rig-repo.js';

let dir: string;
test.before.each(() => {
  dir = tempDir('gt-rtfiles-');
});
test.after.each(() => {
  rmSync(dir, { recursive: true, force: true });
});

function exe(path: string, text = '#!/bin/sh\n'): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  chmodSync(path, 0o755);
  return path;
}

test('command resolution: first executable on PATH; a clear error naming the PATH when missing', () => {
  exe(join(dir, 'b', 'claude'));
  writeFileSync(join(dir, 'a-claude-not-exec'), '');
  mkdirSync(join(dir, 'a', 'claude'), { recursive: true }); // a directory is not a program
  const path = `${join(dir, 'a')}::relative/bin:${join(dir, 'b')}`;
  assert.is(findCommand('claude', path), join(dir, 'b', 'claude'));
  assert.is(resolveCommand(join(dir, 'b', 'claude'), '', 'claude'), join(dir, 'b', 'claude'));
  try {
    resolveCommand('codex', '/nowhere:/also/nowhere', 'codex');
    assert.unreachable();
  } catch (e) {
    assert.ok(e instanceof CommandNotFoundError);
    assert.is((e as Error).message, "codex not found on the daemon's PATH (/nowhere:/also/nowhere)");
    assert.match((e as CommandNotFoundError).hint ?? '', 'agents.codex.command');
  }
  assert.throws(() => resolveCommand('bin/claude', path, 'claude'), /relative path/);
  assert.throws(() => resolveCommand(join(dir, 'a-claude-not-exec'), path, 'claude'), /does not exist or is not executable/);
});

test('identity: a Node-based CLI is known by its script (name or path), never by node', () => {
  const script = exe(join(dir, 'node_modules', '.bin', 'codex'));
  const rt = presetRuntime('codex')!;
  const names = identityNames(rt, join(dir, 'node_modules', '.bin'));
  assert.ok(names.includes(script), 'its own path');
  const match = compileProcessNames(names);
  const proc = (cmdline: string[], comm: string): ProcInfo => ({ pid: 1, ppid: 0, comm, state: 'S', startTime: 1, cmdline }) as ProcInfo;
  assert.ok(processMatches(proc(['node', script, '--no-daemon'], 'node'), match), 'node running the codex script');
  assert.ok(processMatches(proc(['node', '/elsewhere/codex.js'], 'node'), match), 'by the script name too');
  assert.not.ok(processMatches(proc(['node', '/srv/app/server.js'], 'node'), match), 'any other node is not codex');
  assert.not.ok(processMatches(proc(['node', '-e', 'codex'], 'node'), match));
  assert.ok(processMatches(proc(['/x/vendor/bin/codex', 'app-server'], 'codex'), match), 'its native binary and app-server');
  const gem = compileProcessNames(presetRuntime('gemini')!.processNames);
  assert.ok(processMatches(proc(['node', '--max-old-space-size=4096', '/x/bundle/gemini.js'], 'node'), gem));
  assert.not.ok(processMatches(proc(['node', '/x/other.js'], 'node'), gem));
});

function ctx(over: Record<string, unknown> = {}) {
  const home = join(dir, 'home');
  mkdirSync(home, { recursive: true });
  const cwd = join(dir, 'work');
  mkdirSync(cwd, { recursive: true });
  return {
    town: join(dir, 'town'),
    role: 'polecat' as const,
    identity: 'shop/polecats/furiosa',
    session: 'sh-furiosa',
    rig: 'shop',
    name: 'furiosa',
    cwd,
    stateDir: join(dir, 'town', '.runtime', 'agents', 'sh-furiosa'),
    env: { HOME: home, PATH: join(dir, 'bin') },
    instructions: '# You are polecat furiosa of rig shop\n',
    firstPrompt: 'Run `gt hook`.',
    uid: 1000,
    searchPath: join(dir, 'bin'),
    root: '/pkg',
    ...over,
  };
}

test('claude: --settings with every hook (SessionStart also runs gt prime), bypass, IS_SANDBOX only as root, trust, first prompt', () => {
  const program = exe(join(dir, 'bin', 'claude'));
  const c = ctx();
  const p = planStart(presetRuntime('claude')!, c);
  const settingsFile = join(c.stateDir, 'claude-settings.json');
  assert.equal(p.argv, [program, '--settings', settingsFile, '--dangerously-skip-permissions', 'Run `gt hook`.']);
  assert.equal(p.env, { DISABLE_AUTOUPDATER: '1', BASH_MAX_TIMEOUT_MS: String(25 * 3_600_000) }, 'not root: no IS_SANDBOX');
  const settings = JSON.parse(readFileSync(settingsFile, 'utf8'));
  assert.equal(Object.keys(settings.hooks).sort(), ['Notification', 'PostToolUse', 'SessionStart', 'Stop', 'StopFailure', 'UserPromptSubmit']);
  assert.is(settings.hooks.PostToolUse[0].hooks[0].command, "'/bin/sh' '/pkg/internal/agent/hooks/agent-hook.sh' 'claude' 'PostToolUse'");
  assert.match(settings.hooks.SessionStart[0].hooks[1].command, /'\/pkg\/dist\/cmd\/gt\/main\.js' 'prime'$/);
  assert.is(settings.skipDangerousModePermissionPrompt, true);
  // Trust for gt's directory, in the HOME the agent sees.
  const cfg = JSON.parse(readFileSync(join(c.env.HOME, '.claude.json'), 'utf8'));
  assert.equal(cfg, { projects: { [c.cwd]: { hasTrustDialogAccepted: true } } });
  assert.ok(p.plan.settled[0]!.startsWith(`trusted ${c.cwd} in `));
  // As root, Claude refuses its bypass flag unless told it is sandboxed.
  assert.is(planStart(presetRuntime('claude')!, ctx({ uid: 0 })).env.IS_SANDBOX, '1');
  // Permissions "ask": no bypass anywhere; resume when asked and known.
  const ask = getRuntime(settingsSchema.parse({ agents: { claude: { permissions: 'ask', restart: { resume: true } } } }), 'claude');
  const pa = planStart(ask, ctx({ uid: 0, resumeSession: '7f6f13fa-c16c-4182-90c9-82b5610fb14d' }));
  assert.not.ok(pa.argv.includes('--dangerously-skip-permissions'));
  assert.is(pa.env.IS_SANDBOX, undefined);
  assert.is(JSON.parse(readFileSync(settingsFile, 'utf8')).skipDangerousModePermissionPrompt, undefined);
  assert.equal(pa.argv.slice(-3), ['--resume', '7f6f13fa-c16c-4182-90c9-82b5610fb14d', 'Run `gt hook`.']);
  // Resume off (the default): a known conversation is not resumed.
  assert.not.ok(planStart(presetRuntime('claude')!, ctx({ resumeSession: 'abc' })).argv.includes('--resume'));
});

test('claude trust: only the entry for gt\'s directory; everything else kept; idempotent; a broken file left alone', () => {
  const home = join(dir, 'h');
  mkdirSync(home);
  const file = join(home, '.claude.json');
  writeFileSync(file, JSON.stringify({ hasCompletedOnboarding: true, oauthAccount: { x: 1 }, projects: { '/mine': { hasTrustDialogAccepted: false, allowedTools: ['Bash'] }, '/w': { history: [1] } } }), { mode: 0o600 });
  const r = trustClaudeDirectory({ HOME: home }, '/w');
  assert.equal(r, { changed: true, file });
  const after = JSON.parse(readFileSync(file, 'utf8'));
  assert.equal(after, { hasCompletedOnboarding: true, oauthAccount: { x: 1 }, projects: { '/mine': { hasTrustDialogAccepted: false, allowedTools: ['Bash'] }, '/w': { history: [1], hasTrustDialogAccepted: true } } });
  assert.is(statSync(file).mode & 0o777, 0o600, 'its mode kept');
  const mtime = statSync(file).mtimeMs;
  assert.equal(trustClaudeDirectory({ HOME: home }, '/w'), { changed: false, file });
  assert.is(statSync(file).mtimeMs, mtime, 'not rewritten');
  writeFileSync(file, '{"broken": ');
  const broken = trustClaudeDirectory({ HOME: home }, '/w');
  assert.is(broken.changed, false);
  assert.match((broken as { problem: string }).problem, 'not valid JSON');
  assert.is(readFileSync(file, 'utf8'), '{"broken": ');
  assert.is(claudeConfigFile({ HOME: home, CLAUDE_CONFIG_DIR: '/cfg' }), '/cfg/.claude.json');
});

test('codex: everything on the command line (-c), hooks and notify wired, trust, --no-daemon, AGENTS.md', () => {
  const program = exe(join(dir, 'bin', 'codex'));
  const c = ctx();
  const p = planStart(presetRuntime('codex')!, c);
  assert.is(p.argv[0], program);
  assert.is(p.argv[1], '--no-daemon');
  const cfg = p.argv.flatMap((a, i) => (p.argv[i - 1] === '-c' ? [a] : []));
  assert.ok(cfg.includes('check_for_update_on_startup=false'));
  assert.ok(cfg.includes('allow_login_shell=false'));
  assert.ok(cfg.includes(`projects={${JSON.stringify(c.cwd)}={trust_level="trusted"}}`));
  assert.ok(cfg.includes('notify=["/bin/sh","/pkg/internal/agent/hooks/agent-hook.sh","codex","notify"]'));
  for (const ev of ['SessionStart', 'UserPromptSubmit', 'PostToolUse', 'Stop', 'PermissionRequest']) {
    assert.ok(cfg.includes(`hooks.${ev}=[{hooks=[{type="command",command=${JSON.stringify(`'/bin/sh' '/pkg/internal/agent/hooks/agent-hook.sh' 'codex' '${ev}'`)}}]}]`), ev);
  }
  assert.equal(p.argv.slice(-3), ['--dangerously-bypass-approvals-and-sandbox', '--dangerously-bypass-hook-trust', 'Run `gt hook`.']);
  assert.match(readFileSync(join(c.cwd, 'AGENTS.md'), 'utf8'), 'You are polecat furiosa');
  // "ask": Codex asks, and the person reviews gt's hooks once; resume is a subcommand.
  const ask = getRuntime(settingsSchema.parse({ agents: { codex: { permissions: 'ask', restart: { resume: true } } } }), 'codex');
  const pa = planStart(ask, ctx({ resumeSession: '01a22d55-6b92-72e3-9df3-2af48478a06f' }));
  assert.not.ok(pa.argv.some((a) => a.startsWith('--dangerously')));
  assert.equal([pa.argv[1], ...pa.argv.slice(-2)], ['resume', '01a22d55-6b92-72e3-9df3-2af48478a06f', 'Run `gt hook`.']);
});

test('gemini and opencode: updaters off, priming file, bypass flags, first prompt', () => {
  exe(join(dir, 'bin', 'gemini'));
  exe(join(dir, 'bin', 'opencode'));
  const g = planStart(presetRuntime('gemini')!, ctx());
  assert.equal(g.argv.slice(1), ['--skip-trust', '--yolo', '-i', 'Run `gt hook`.']);
  assert.is(g.env.GEMINI_CLI_TRUST_WORKSPACE, 'true');
  const sys = geminiSettings(join(dir, 'work'));
  assert.equal([sys.general.enableAutoUpdate, sys.general.enableAutoUpdateNotification], [false, false]);
  assert.match(readFileSync(join(dir, 'work', 'GEMINI.md'), 'utf8'), 'You are polecat furiosa');
  const o = planStart(presetRuntime('opencode')!, ctx());
  assert.equal(o.argv.slice(1), ['--auto', '--prompt', 'Run `gt hook`.']);
  assert.is(o.env.OPENCODE_DISABLE_AUTOUPDATE, '1');
  assert.match(readFileSync(join(dir, 'work', 'AGENTS.md'), 'utf8'), 'You are polecat furiosa');
});

/** The workspace settings gt wrote for Gemini CLI (JSON after gt's comment line, as Gemini reads it). */
function geminiSettings(cwd: string) {
  const text = readFileSync(join(cwd, '.gemini', 'settings.json'), 'utf8');
  assert.is(text.split('\n')[0], GEMINI_SETTINGS_MARKER);
  return JSON.parse(text.slice(text.indexOf('\n') + 1));
}

test('gemini: workspace settings in its directory (updater off, hooks running gt\'s hook script), kept out of git; a project\'s own settings untouched', () => {
  exe(join(dir, 'bin', 'gemini'));
  const src = makeSourceRepo(join(dir, 'src'), { files: { 'README.md': '# r\n' } });
  const wt = join(dir, 'wt');
  gitIn(src, ['worktree', 'add', '-q', '-b', 'polecat/g', wt]);
  const g = planStart(presetRuntime('gemini')!, ctx({ cwd: wt }));
  assert.ok(g.plan.files.includes(join(wt, '.gemini', 'settings.json')));
  const sys = geminiSettings(wt);
  assert.equal(gitIn(wt, ['status', '--porcelain']), '', '.gemini/settings.json and GEMINI.md are excluded');
  assert.equal(Object.keys(sys.hooks).sort(), Object.keys(GEMINI_HOOK_EVENTS).sort());
  for (const [event, defs] of Object.entries(sys.hooks as Record<string, { matcher: string; hooks: { type: string; command: string }[] }[]>)) {
    assert.is(defs.length, 1);
    assert.is(defs[0]!.matcher, '*');
    assert.is(defs[0]!.hooks[0]!.type, 'command');
    assert.is(defs[0]!.hooks[0]!.command, `'/bin/sh' '/pkg/internal/agent/hooks/agent-hook.sh' 'gemini' '${event}'`);
  }
  assert.equal(sys.hooksConfig, { enabled: true, notifications: false });
  assert.ok(presetRuntime('gemini')!.preset!.reportsReady, 'a start is done at its SessionStart report');
  // Written again at the next start (gt's own file); a project's own file is left alone, and said so.
  planStart(presetRuntime('gemini')!, ctx({ cwd: wt }));
  const own = join(dir, 'own');
  mkdirSync(join(own, '.gemini'), { recursive: true });
  writeFileSync(join(own, '.gemini', 'settings.json'), '{"model": {"name": "theirs"}}\n');
  const p = planStart(presetRuntime('gemini')!, ctx({ cwd: own }));
  assert.is(readFileSync(join(own, '.gemini', 'settings.json'), 'utf8'), '{"model": {"name": "theirs"}}\n');
  assert.match(p.plan.settled.join('\n'), "left the project's own");
  assert.not.ok(p.plan.files.includes(join(own, '.gemini', 'settings.json')));
});

test('opencode: gt\'s plugin is written to the session\'s state dir and loaded through OPENCODE_CONFIG_CONTENT, a person\'s own content kept', () => {
  exe(join(dir, 'bin', 'opencode'));
  const o = planStart(presetRuntime('opencode')!, ctx());
  const plugin = join(dir, 'town', '.runtime', 'agents', 'sh-furiosa', 'gt-opencode-plugin.js');
  assert.ok(o.plan.files.includes(plugin));
  assert.match(readFileSync(plugin, 'utf8'), "const HOOK = \"/pkg/internal/agent/hooks/agent-hook.sh\";");
  assert.equal(JSON.parse(o.env.OPENCODE_CONFIG_CONTENT!), { plugin: [pathToFileURL(plugin).href] });
  // A person's content (e.g. a provider) stays, with their plugins; gt's is added once.
  const theirs = JSON.stringify({ model: 'anthropic/x', plugin: ['their-plugin'] });
  const o2 = planStart(presetRuntime('opencode')!, ctx({ env: { HOME: join(dir, 'home'), OPENCODE_CONFIG_CONTENT: theirs } }));
  assert.equal(JSON.parse(o2.env.OPENCODE_CONFIG_CONTENT!), { model: 'anthropic/x', plugin: ['their-plugin', pathToFileURL(plugin).href] });
  assert.is(opencodeConfigContent(o2.env.OPENCODE_CONFIG_CONTENT, pathToFileURL(plugin).href), o2.env.OPENCODE_CONFIG_CONTENT, 'idempotent');
  // Content that is not a JSON object is theirs to keep: no plugin then.
  const o3 = planStart(presetRuntime('opencode')!, ctx({ env: { HOME: join(dir, 'home'), OPENCODE_CONFIG_CONTENT: '{ // jsonc\n }' } }));
  assert.is(o3.env.OPENCODE_CONFIG_CONTENT, undefined);
  assert.ok(presetRuntime('opencode')!.preset!.reportsReady);
});

test('a missing CLI fails the plan with the PATH named, before any file is written', () => {
  const c = ctx();
  assert.throws(() => planStart(presetRuntime('claude')!, c), /claude not found on the daemon's PATH/);
  assert.not.ok(existsSync(join(c.stateDir, 'claude-settings.json')));
});

test('instruction files in a git worktree: excluded before written, never in `git add -A`, a project\'s own file never overwritten', () => {
  const src = makeSourceRepo(join(dir, 'src'), { files: { 'README.md': '# r\n' } });
  const wt = join(dir, 'wt');
  gitIn(src, ['worktree', 'add', '-q', '-b', 'polecat/x', wt]);
  const r = writePrimingFile(wt, 'AGENTS.md', '# role');
  assert.is(r.path, join(wt, 'AGENTS.md'));
  assert.match(readFileSync(r.path, 'utf8'), GT_FILE_MARKER);
  assert.is(r.excludedIn, join(src, '.git', 'info', 'exclude'), 'the shared exclude of the main repository');
  writeFileSync(join(wt, 'work.txt'), 'w');
  gitIn(wt, ['add', '-A']);
  gitIn(wt, ['commit', '-q', '-m', 'work']);
  assert.equal(gitIn(wt, ['show', '--name-only', '--format=', 'HEAD']).split('\n'), ['work.txt']);
  assert.is(gitIn(wt, ['status', '--porcelain']), '');
  // Written again (a restart): one exclude line, not two.
  writePrimingFile(wt, 'AGENTS.md', '# role v2');
  assert.is(readFileSync(r.excludedIn!, 'utf8').split('\n').filter((l) => l === '/AGENTS.md').length, 1);
  // The project's own AGENTS.md is never replaced; Codex then gets AGENTS.override.md with both.
  const proj = makeSourceRepo(join(dir, 'proj'), { files: { 'AGENTS.md': '# Project rules\nUse tabs.\n' } });
  assert.throws(() => writePrimingFile(proj, 'AGENTS.md', '# role'), /belongs to the project/);
  exe(join(dir, 'bin', 'codex'));
  planStart(presetRuntime('codex')!, ctx({ cwd: proj }));
  assert.is(readFileSync(join(proj, 'AGENTS.md'), 'utf8'), '# Project rules\nUse tabs.\n');
  const override = readFileSync(join(proj, 'AGENTS.override.md'), 'utf8');
  assert.match(override, /You are polecat furiosa[\s\S]*# Project rules/);
  assert.is(execFileSync('git', ['status', '--porcelain'], { cwd: proj, encoding: 'utf8' }), '');
  // Outside any git repository: written, nothing to exclude.
  const plain = join(dir, 'plain');
  mkdirSync(plain);
  assert.is(writePrimingFile(plain, 'GEMINI.md', '# role').excludedIn, undefined);
});

test.run();

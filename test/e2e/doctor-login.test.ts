/**
 * `gt doctor`'s login check with the real agent CLIs (agent-clis/), offline, each HOME a temp dir:
 * no agent of the runtime runs, so doctor probes it (starts the CLI as the daemon would in a
 * private tmux server, reads its screen, kills that server) and reports:
 *   - Claude Code with a fresh HOME (onboarding never done): it exits before its prompt -> fail,
 *     with its own last words;
 *   - onboarding done, the key in the daemon's env not approved: the "Detected a custom API key"
 *     confirmation -> fail naming it;
 *   - onboarding done, no key at all: "Not logged in · Run /login" -> fail;
 *   - primed as the e2e tests prime it (onboarding done, key approved) -> ok, at its prompt;
 *   - Codex with a fresh CODEX_HOME: its sign-in picker -> fail; with a model provider -> ok;
 *   - Gemini CLI with no auth chosen: its authentication picker -> fail; an API key chosen -> ok;
 *   - an agent of the runtime running in the town (the mayor, started by `gt up`) at a blocking
 *     screen: its screen is read (no probe), fail naming the session and `gt attach`;
 *   - --no-probe: warn, cannot tell. --fix changes nothing of it.
 *   - gt doctor interrupted mid-probe (SIGINT): the probe's server and CLI are gone all the same.
 * After every probe: no probe tmux server answers and no process runs with the test's HOME.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startModelServer, type ModelServer } from '../../internal/modelserver/server.js';
import { readProcEnviron } from '../../internal/fsx/proc.js';
import { assertAgentClis, claudeDoneOnce, codexDoneOnce, launcherEnv, makeAgentHome, modelEnv, TEST_ANTHROPIC_KEY, type AgentHome } from '../helpers/real-agents.js';
import { GT_BIN, gt, makeTown, townSocket, waitFor, type TempTown } from '../helpers/town.js';

interface Line {
  check: string;
  status: string;
  what: string;
  hint?: string;
  fixed?: string;
  fixable: boolean;
}

let server: ModelServer;
const towns: TempTown[] = [];
const homes: AgentHome[] = [];
const sockets: string[] = [];

test.before(async () => {
  assertAgentClis('claude', 'codex', 'gemini');
  server = await startModelServer({ script: { steps: [{ text: 'hello', times: 100 }] } });
});

test.after(async () => {
  for (const s of sockets) spawnSync('tmux', ['-L', s, 'kill-server']);
  for (const t of towns) await t.cleanup();
  for (const h of homes) rmSync(h.dir, { recursive: true, force: true });
  await server?.close();
});

async function setup(runtime: 'claude' | 'codex' | 'gemini' | 'opencode', daemonEnv: Record<string, string>): Promise<{ town: TempTown; home: AgentHome; env: Record<string, string> }> {
  const home = makeAgentHome();
  homes.push(home);
  const town = await makeTown({ agent: 'sim', settings: { roles: { mayor: { agent: runtime } } } });
  towns.push(town);
  town.daemonSettings({ env: { DISABLE_AUTOUPDATER: '1', CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1', ...daemonEnv } });
  return { town, home, env: launcherEnv(home) };
}

/** Probe tmux servers running now (a tmux server keeps the argv of the client that started it). */
function probeServers(): string[] {
  const out: string[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let cmd = '';
    try {
      cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    const m = /\0-L\0(gt-doctor-probe-[A-Za-z0-9-]+)\0/.exec(`\0${cmd}`);
    if (m && cmd.startsWith('tmux')) out.push(`${d} ${m[1]}`);
  }
  return out;
}

function probeSocketFiles(): string[] {
  try {
    return readdirSync(join(process.env.TMUX_TMPDIR || '/tmp', `tmux-${process.getuid?.() ?? 0}`)).filter((f) => f.startsWith('gt-doctor-probe-'));
  } catch {
    return [];
  }
}

/** Pids of live processes whose HOME is this test's temp HOME. */
function processesWithHome(home: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    if (readProcEnviron(Number(d))?.get('HOME') === home) out.push(Number(d));
  }
  return out;
}

async function doctor(town: TempTown, env: Record<string, string>, args: string[] = []): Promise<{ code: number; checks: Line[]; login: Line }> {
  const files = probeSocketFiles();
  const r = await gt(['doctor', '--json', ...args, '--town', town.root], { env, timeoutMs: 120_000 });
  const report = JSON.parse(r.stdout) as { checks: Line[] };
  const login = report.checks.find((c) => c.check.startsWith('login:') && c.check !== 'login:sim');
  assert.ok(login, JSON.stringify(report.checks));
  // Cleaned up: no probe tmux server runs and no socket file is left (only this file makes them),
  // and nothing of the CLI lives on.
  assert.equal(probeServers(), [], 'probe servers left');
  assert.equal(probeSocketFiles().filter((f) => !files.includes(f)), [], 'probe socket files left');
  await waitFor('no process with the test HOME', () => processesWithHome(env.HOME!).length === 0, 10_000).catch(() => {
    throw new Error(`left running with HOME=${env.HOME}: ${processesWithHome(env.HOME!).join(' ')}`);
  });
  return { code: r.code, checks: report.checks, login: login! };
}

test('Claude Code, fresh HOME (onboarding never done): the probe sees it exit before its prompt -> fail with its words', async () => {
  const { town, env } = await setup('claude', modelEnv(server.url));
  const { code, login } = await doctor(town, env);
  assert.is(login.check, 'login:claude');
  assert.is(login.status, 'fail', JSON.stringify(login));
  assert.match(login.what, /^claude started as the daemon would \(HOME=.*\) exited with status \d+ before its prompt: .*Unable to connect to Anthropic services/);
  assert.match(login.hint!, /run claude once by hand as the daemon would \(HOME=/);
  assert.is(code, 1);
});

test('Claude Code, onboarding done but the key not approved: fail naming the API-key confirmation', async () => {
  const { town, home, env } = await setup('claude', modelEnv(server.url));
  writeFileSync(join(home.dir, '.claude.json'), `${JSON.stringify({ hasCompletedOnboarding: true }, null, 2)}\n`);
  const { login } = await doctor(town, env);
  assert.is(login.status, 'fail', JSON.stringify(login));
  assert.match(login.what, /stops at Claude Code's "Detected a custom API key" confirmation/);
});

test('Claude Code, onboarding done and no key at all: fail, "Not logged in"', async () => {
  const { town, home, env } = await setup('claude', { ANTHROPIC_BASE_URL: server.url });
  writeFileSync(join(home.dir, '.claude.json'), `${JSON.stringify({ hasCompletedOnboarding: true }, null, 2)}\n`);
  const { login } = await doctor(town, env);
  assert.is(login.status, 'fail', JSON.stringify(login));
  assert.match(login.what, /stops at Claude Code's "Not logged in · Run \/login" prompt/);
});

test('Claude Code primed (onboarding done, key approved): ok, at its prompt; --no-probe: cannot tell; --fix: nothing', async () => {
  const { town, home, env } = await setup('claude', modelEnv(server.url));
  claudeDoneOnce(home, TEST_ANTHROPIC_KEY);
  const { code, login } = await doctor(town, env);
  assert.is(login.status, 'ok', JSON.stringify(login));
  assert.match(login.what, /logged in and past its first-run screens: claude started as the daemon would \(HOME=.*\) reached its prompt/);
  assert.is(code, 0);

  const skipped = await doctor(town, env, ['--no-probe']);
  assert.is(skipped.login.status, 'warn');
  assert.match(skipped.login.what, /cannot tell whether claude is logged in: no agent of it runs and the probe was skipped/);

  // A login is never an automatic fix.
  writeFileSync(join(home.dir, '.claude.json'), `${JSON.stringify({ hasCompletedOnboarding: true }, null, 2)}\n`);
  const fixed = await doctor(town, env, ['--fix']);
  assert.is(fixed.login.status, 'fail');
  assert.is(fixed.login.fixable, false);
  assert.is(fixed.login.fixed, undefined);
});

test('Codex: fresh CODEX_HOME -> its sign-in picker, fail; with a model provider -> ok', async () => {
  const { town, home, env } = await setup('codex', {});
  const fresh = await doctor(town, env);
  assert.is(fresh.login.check, 'login:codex');
  assert.is(fresh.login.status, 'fail', JSON.stringify(fresh.login));
  assert.match(fresh.login.what, /^codex started as the daemon would \(HOME=.*\) stops at Codex's sign-in picker/);

  codexDoneOnce(home, server.url);
  const primed = await doctor(town, env);
  assert.is(primed.login.status, 'ok', JSON.stringify(primed.login));
  assert.match(primed.login.what, /reached its prompt/);
});

test('Gemini CLI: no auth chosen -> its sign-in screen, fail; an API key chosen and given -> ok', async () => {
  const { town, home, env } = await setup('gemini', { GOOGLE_GEMINI_BASE_URL: server.url });
  const fresh = await doctor(town, env);
  assert.is(fresh.login.check, 'login:gemini');
  assert.is(fresh.login.status, 'fail', JSON.stringify(fresh.login));
  // (Its picker, or its "Login with Google" wait that the picker's default leads to: both sign-in
  // screens. Under CI=true in the probe's env Gemini exited 42 instead: the probe drops an inherited CI.)
  assert.match(fresh.login.what, /^gemini started as the daemon would \(HOME=.*\) stops at Gemini CLI's (authentication picker|sign-in wait)$/, fresh.login.what);

  // What a person does once: pick "Use Gemini API Key" (and the daemon's env carries the key).
  mkdirSync(join(home.dir, '.gemini'), { recursive: true });
  writeFileSync(join(home.dir, '.gemini', 'settings.json'), `${JSON.stringify({ security: { auth: { selectedType: 'gemini-api-key' } } }, null, 2)}\n`);
  town.daemonSettings({ env: { GOOGLE_GEMINI_BASE_URL: server.url, GEMINI_API_KEY: 'gt-test-key' } });
  const primed = await doctor(town, env);
  assert.is(primed.login.status, 'ok', JSON.stringify(primed.login));
  assert.match(primed.login.what, /reached its prompt/);
});

test('gt doctor interrupted (SIGINT) mid-probe: the probe server and the CLI are gone, exit 130', async () => {
  // OpenCode offline spends many seconds before its first frame: the probe is surely under way.
  assertAgentClis('opencode');
  const { town, env } = await setup('opencode', { OPENCODE_DISABLE_MODELS_FETCH: '1', OPENCODE_DISABLE_LSP_DOWNLOAD: '1' });
  const files = probeSocketFiles();
  const child = spawn(process.execPath, [GT_BIN, 'doctor', '--town', town.root], { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: 'ignore' });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  await waitFor('the probe running OpenCode', () => probeServers().length > 0 && processesWithHome(env.HOME!).length > 0, 60_000, 100);
  child.kill('SIGINT');
  assert.is(await exited, 130);
  assert.equal(probeServers(), [], 'probe servers left');
  assert.equal(probeSocketFiles().filter((f) => !files.includes(f)), [], 'probe socket files left');
  await waitFor('no process with the test HOME', () => processesWithHome(env.HOME!).length === 0, 10_000).catch(() => {
    throw new Error(`left running with HOME=${env.HOME}: ${processesWithHome(env.HOME!).join(' ')}`);
  });
});

test('an agent of the runtime runs in the town: its screen is read, not probed; fail names the session and gt attach', async () => {
  const { town, home, env } = await setup('claude', modelEnv(server.url));
  writeFileSync(join(home.dir, '.claude.json'), `${JSON.stringify({ hasCompletedOnboarding: true }, null, 2)}\n`);
  const socket = await townSocket(town.root);
  sockets.push(socket);
  const up = await gt(['up', '--town', town.root], { env, timeoutMs: 120_000 });
  assert.is(up.code, 0, up.stderr);
  // The mayor (Claude Code) stops at the key confirmation; gt never answers it.
  await waitFor(
    'the mayor at its API-key screen',
    () => /Do you want to use this API key\?/.test(spawnSync('tmux', ['-L', socket, 'capture-pane', '-p', '-J', '-t', '=hq-mayor:'], { encoding: 'utf8' }).stdout ?? ''),
    60_000,
    250,
  );
  const r = await gt(['doctor', '--json', '--town', town.root], { env, timeoutMs: 120_000 });
  const login = (JSON.parse(r.stdout) as { checks: Line[] }).checks.find((c) => c.check === 'login:claude')!;
  assert.is(login.status, 'fail', JSON.stringify(login));
  assert.is(login.what, `hq-mayor is at Claude Code's "Detected a custom API key" confirmation`);
  assert.match(login.hint!, /^gt attach hq-mayor and finish it/);
  assert.not.match(login.what, /started as the daemon would/, 'no probe while an agent of it runs');
  // Human output: one line.
  const human = await gt(['doctor', '--town', town.root], { env, timeoutMs: 120_000 });
  assert.match(human.stdout, /^fail +login:claude +hq-mayor is at Claude Code's "Detected a custom API key" confirmation \(fix: gt attach hq-mayor and finish it/m);
  await gt(['down', '--town', town.root], { env, timeoutMs: 120_000 });
});

test.run();

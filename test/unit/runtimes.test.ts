import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RUNTIME_PRESETS } from '../../internal/config/roles.js';
import { settingsSchema } from '../../internal/config/settings.js';
import { GtError } from '../../internal/errors.js';
import { packageRoot } from '../../internal/fsx/package-root.js';
import { processNameMatches } from '../../internal/agent/process-names.js';
import {
  PRESETS,
  getRuntime,
  presetRuntime,
  resolveRuntime,
  resolveRuntimeName,
  runtimeArgv,
  runtimeNames,
} from '../../internal/agent/runtimes.js';

const settings = (s: unknown = {}) => settingsSchema.parse(s);

test('every preset named in config/roles.ts exists, in the table', () => {
  for (const name of RUNTIME_PRESETS) {
    const rt = presetRuntime(name);
    assert.ok(rt, name);
    assert.is(rt!.name, name);
    assert.is(rt!.preset, PRESETS[name]);
    assert.ok(rt!.processNames.length > 0, `${name} has process names`);
  }
  assert.is(presetRuntime('nope'), undefined);
});

test('no preset is recognised by a bare interpreter name (node, bun)', () => {
  for (const name of RUNTIME_PRESETS) {
    for (const interp of ['node', 'nodejs', 'bun', 'deno', 'python3', 'sh', 'bash']) {
      assert.not.ok(presetRuntime(name)!.processNames.includes(interp), `${name} must not match every ${interp}`);
    }
  }
});

test('auto-updaters are off in every CLI preset', () => {
  assert.is(PRESETS.claude.env.DISABLE_AUTOUPDATER, '1');
  assert.is(PRESETS.opencode.env.OPENCODE_DISABLE_AUTOUPDATE, '1');
});

test('sim runs the built gt with this node', () => {
  const rt = presetRuntime('sim', { execPath: '/opt/node/bin/node', root: '/pkg' })!;
  assert.equal(runtimeArgv(rt), ['/opt/node/bin/node', '/pkg/dist/cmd/gt/main.js', 'sim']);
  assert.equal(rt.processNames, ['gt-sim']);
  const here = presetRuntime('sim')!;
  assert.is(here.command, process.execPath);
  assert.is(here.args[0], `${packageRoot()}/dist/cmd/gt/main.js`);
});

test('process name matching: literal names and the version token', () => {
  const claude = presetRuntime('claude')!.processNames;
  assert.ok(processNameMatches(claude, 'claude'));
  assert.not.ok(processNameMatches(claude, 'node'));
  assert.ok(processNameMatches(claude, '2.1.197'));
  assert.not.ok(processNameMatches(claude, '2.1'));
  assert.not.ok(processNameMatches(claude, 'v2.1.197'));
  assert.not.ok(processNameMatches(claude, 'bash'));
  assert.not.ok(processNameMatches(claude, '<version>'));
  assert.not.ok(processNameMatches(['gt-sim'], 'gt-sim-child'));
});

test('custom runtimes from settings; a preset adjusted by name keeps its behaviour', () => {
  const s = settings({
    agents: {
      aider: { command: '/usr/local/bin/aider', args: ['--yes'], env: { AIDER_X: '1' } },
      claude: { command: '/opt/claude/bin/claude', args: ['--model', 'opus'], env: { DISABLE_AUTOUPDATER: '1', X: 'y' }, permissions: 'ask', restart: { resume: true } },
      codex: { args: ['-m', 'o3'] },
    },
  });
  const aider = getRuntime(s, 'aider');
  assert.equal(runtimeArgv(aider), ['/usr/local/bin/aider', '--yes']);
  assert.equal(aider.processNames, ['aider'], 'defaults to the command basename');
  assert.equal(aider.env, { AIDER_X: '1' });
  assert.is(aider.source, 'custom');
  assert.is(aider.preset, undefined, 'a custom runtime gets no preset behaviour');
  const c = getRuntime(s, 'claude');
  assert.is(c.preset, PRESETS.claude);
  assert.equal(runtimeArgv(c), ['/opt/claude/bin/claude', '--model', 'opus']);
  assert.equal(c.env, { DISABLE_AUTOUPDATER: '1', BASH_MAX_TIMEOUT_MS: String(25 * 3_600_000), X: 'y' }, 'the preset env, then the person env');
  assert.is(c.permissions, 'ask');
  assert.is(c.resume, true);
  assert.ok(c.processNames.includes('claude'));
  const x = getRuntime(s, 'codex');
  assert.is(x.command, 'codex');
  assert.equal(x.args, ['-m', 'o3']);
  assert.is(x.permissions, 'bypass', 'bypass is the presets\' default');
  assert.is(x.resume, false, 'resume is off by default');
  assert.equal(runtimeNames(s), ['aider', 'claude', 'codex', 'gemini', 'opencode', 'sim']);
});

test('resume is only offered where the CLI can resume', () => {
  const s = settings({ agents: { gemini: { restart: { resume: true } }, claude: { restart: { resume: true } } } });
  assert.is(getRuntime(s, 'gemini').resume, false);
  assert.is(getRuntime(s, 'claude').resume, true);
});

test('settings: a runtime that is not a preset needs a command', () => {
  const r = settingsSchema.safeParse({ agents: { mybot: { args: ['x'] } } });
  assert.not.ok(r.success);
  assert.match(JSON.stringify(r.error!.issues), 'required for a runtime that is not a preset');
});

test('resolution precedence: role > rig > town > claude', () => {
  const s = settings({ agent: 'codex', roles: { witness: { agent: 'gemini' } } });
  assert.equal(resolveRuntimeName(s, { role: 'witness', rigAgent: 'sim' }), { name: 'gemini', source: 'role' });
  assert.equal(resolveRuntimeName(s, { role: 'polecat', rigAgent: 'sim' }), { name: 'sim', source: 'rig' });
  assert.equal(resolveRuntimeName(s, { role: 'polecat' }), { name: 'codex', source: 'town' });
  assert.equal(resolveRuntimeName({ roles: {} }, { role: 'mayor' }), { name: 'claude', source: 'default' });
  assert.is(resolveRuntime(settings(), { role: 'deacon' }).name, 'claude', 'settings default is claude');
  assert.is(resolveRuntime(s, { role: 'refinery', rigAgent: 'opencode' }).command, 'opencode');
});

test('unknown runtime names are InvalidInputError naming the valid ones and the source', () => {
  const s = settings({ agents: { mine: { command: 'x' } }, roles: { deacon: { agent: 'nosuch' } } });
  for (const [fn, where] of [
    [() => getRuntime(s, 'nosuch'), ''],
    [() => resolveRuntime(s, { role: 'deacon' }), 'roles.deacon.agent'],
    [() => resolveRuntime(s, { role: 'witness', rigAgent: 'ghost' }), 'rigs.json'],
    [() => getRuntime(s, 'constructor'), ''],
  ] as const) {
    try {
      fn();
      assert.unreachable('expected an error');
    } catch (e) {
      assert.ok(e instanceof GtError && e.code === 'INVALID_INPUT', String(e));
      assert.match((e as GtError).hint ?? '', 'claude, codex, gemini, mine, opencode, sim');
      assert.ok((e as GtError).message.includes(where), (e as GtError).message);
    }
  }
});

test.run();

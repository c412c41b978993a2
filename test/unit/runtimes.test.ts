import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RUNTIME_PRESETS } from '../../internal/config/roles.js';
import { settingsSchema } from '../../internal/config/settings.js';
import { GtError } from '../../internal/errors.js';
import { packageRoot } from '../../internal/fsx/package-root.js';
import {
  VERSION_TOKEN,
  getRuntime,
  presetRuntime,
  processNameMatches,
  resolveRuntime,
  resolveRuntimeName,
  runtimeArgv,
  runtimeNames,
} from '../../internal/agent/runtimes.js';

const settings = (s: unknown = {}) => settingsSchema.parse(s);

test('every preset named in config/roles.ts exists', () => {
  for (const name of RUNTIME_PRESETS) {
    const rt = presetRuntime(name, { uid: 1000 });
    assert.ok(rt, name);
    assert.is(rt!.name, name);
    assert.ok(rt!.processNames.length > 0, `${name} has process names`);
  }
  assert.is(presetRuntime('nope'), undefined);
});

test('claude skips permissions except as root', () => {
  assert.equal(runtimeArgv(presetRuntime('claude', { uid: 1000 })!), ['claude', '--dangerously-skip-permissions']);
  assert.equal(runtimeArgv(presetRuntime('claude', { uid: 0 })!), ['claude']);
  assert.ok(presetRuntime('claude')!.processNames.includes(VERSION_TOKEN));
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
  assert.ok(processNameMatches(claude, 'node'));
  assert.ok(processNameMatches(claude, '2.1.197'));
  assert.not.ok(processNameMatches(claude, '2.1'));
  assert.not.ok(processNameMatches(claude, 'v2.1.197'));
  assert.not.ok(processNameMatches(claude, 'bash'));
  assert.not.ok(processNameMatches(claude, '<version>'));
  assert.not.ok(processNameMatches(['gt-sim'], 'gt-sim-child'));
});

test('custom runtimes from settings, overriding presets by name', () => {
  const s = settings({
    agents: {
      aider: { command: '/usr/local/bin/aider', args: ['--yes'], env: { AIDER_X: '1' } },
      claude: { command: 'claude', args: ['--model', 'opus'], process_names: ['claude'] },
    },
  });
  const aider = getRuntime(s, 'aider');
  assert.equal(runtimeArgv(aider), ['/usr/local/bin/aider', '--yes']);
  assert.equal(aider.processNames, ['aider'], 'defaults to the command basename');
  assert.equal(aider.env, { AIDER_X: '1' });
  assert.is(aider.source, 'custom');
  assert.equal(runtimeArgv(getRuntime(s, 'claude')), ['claude', '--model', 'opus']);
  assert.equal(runtimeNames(s), ['aider', 'claude', 'codex', 'gemini', 'opencode', 'sim']);
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

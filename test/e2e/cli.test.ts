import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { gt, tempDir, readJson } from '../helpers/town.js';

const dir = tempDir('gt-cli-');
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('--version and --help exit 0; no command is a usage error (2)', async () => {
  const pkg = readJson(new URL('../../package.json', import.meta.url).pathname);
  const v = await gt(['--version']);
  assert.is(v.code, 0);
  assert.is(v.stdout.trim(), `gt ${pkg.version}`);
  const h = await gt(['--help']);
  assert.is(h.code, 0);
  assert.match(h.stdout, /usage: gt <command>/);
  assert.match(h.stdout, /daemon/);
  assert.match(h.stdout, /install/);
  const none = await gt([]);
  assert.is(none.code, 2);
});

test('unknown commands and options are usage errors with one clear line', async () => {
  const r = await gt(['frobnicate']);
  assert.is(r.code, 2);
  assert.is(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, /unknown command "frobnicate"/);
  const o = await gt(['daemon', 'status', '--bogus']);
  assert.is(o.code, 2);
  assert.match(o.stderr, /--bogus/);
  const g = await gt(['daemon', 'bogus']);
  assert.is(g.code, 2);
  assert.match(g.stderr, /gt daemon --help/);
  const extra = await gt(['daemon', 'status', 'extra']);
  assert.is(extra.code, 2);
});

test('every command has --help (exit 0, a usage line)', async () => {
  const { COMMANDS } = await import('../../internal/cli/registry.js');
  for (const c of COMMANDS) {
    const r = await gt([...c.path, '--help']);
    assert.is(r.code, 0, `gt ${c.path.join(' ')} --help: ${r.stderr}`);
    assert.match(r.stdout, /^usage: gt /, c.path.join(' '));
  }
  const groups = new Set(COMMANDS.filter((c) => c.path.length > 1).map((c) => c.path[0]!));
  for (const g of groups) {
    const r = await gt([g, '--help']);
    assert.is(r.code, 0, g);
    assert.match(r.stdout, /commands:/);
  }
});

test('install creates the town files; a second install refuses', async () => {
  const root = join(dir, 'alpha');
  const r = await gt(['install', root, '--name', 'alpha', '--agent', 'sim', '--json']);
  assert.is(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout), { root, name: 'alpha', agent: 'sim' });
  const town = readJson(join(root, 'mayor', 'town.json'));
  assert.is(town.name, 'alpha');
  assert.is(town.version, 1);
  assert.equal(readJson(join(root, 'mayor', 'rigs.json')), { version: 1, rigs: {} });
  const settings = readJson(join(root, 'settings', 'config.json'));
  assert.is(settings.agent, 'sim');
  assert.is(settings.daemon.recovery_interval, '3m');
  assert.ok(existsSync(join(root, 'settings', 'daemon.json')));
  assert.ok(existsSync(join(root, 'daemon')));
  const again = await gt(['install', root]);
  assert.is(again.code, 1);
  assert.match(again.stderr, /already holds a town/);
  assert.is(readJson(join(root, 'mayor', 'town.json')).created_at, town.created_at, 'the existing town is untouched');
});

test('install validates its inputs', async () => {
  const bad = await gt(['install', join(dir, 'b'), '--agent', 'nope']);
  assert.is(bad.code, 1);
  assert.match(bad.stderr, /unknown agent runtime "nope".*claude, codex, gemini, opencode, sim/);
  const badName = await gt(['install', join(dir, 'c'), '--name', '$(id)']);
  assert.is(badName.code, 1);
  assert.match(badName.stderr, /invalid town name/);
  assert.not.ok(existsSync(join(dir, 'c', 'mayor', 'town.json')));
  const missing = await gt(['install']);
  assert.is(missing.code, 2);
});

test('town discovery: cwd walk-up, GT_TOWN_ROOT, --town; outside a town is one line and exit 1', async () => {
  const root = join(dir, 'disc');
  assert.is((await gt(['install', root])).code, 0);
  const deep = join(root, 'a', 'b', 'c');
  mkdirSync(deep, { recursive: true });
  const fromDeep = await gt(['daemon', 'status', '--json'], { cwd: deep });
  assert.is(fromDeep.code, 3);
  assert.is(JSON.parse(fromDeep.stdout).log_path, join(root, 'daemon', 'daemon.log'));

  const outside = tempDir('gt-outside-');
  const env = { GT_TOWN_ROOT: '' };
  const o = await gt(['daemon', 'status'], { cwd: outside, env });
  assert.is(o.code, 1);
  assert.is(o.stderr.trim().split('\n').length, 1);
  assert.match(o.stderr, /not inside a gt town/);

  const viaEnv = await gt(['daemon', 'status', '--json'], { cwd: outside, env: { GT_TOWN_ROOT: root } });
  assert.is(JSON.parse(viaEnv.stdout).log_path, join(root, 'daemon', 'daemon.log'));
  const viaFlag = await gt(['daemon', 'status', '--json', '--town', root], { cwd: outside, env });
  assert.is(JSON.parse(viaFlag.stdout).log_path, join(root, 'daemon', 'daemon.log'));
  const flagFirst = await gt(['--town', root, 'daemon', 'status', '--json'], { cwd: outside, env });
  assert.is(flagFirst.code, 3);
  const badFlag = await gt(['daemon', 'status', '--town', outside], { cwd: outside, env });
  assert.is(badFlag.code, 1);
  assert.match(badFlag.stderr, /--town .*not a gt town/);
  rmSync(outside, { recursive: true, force: true });
});

test('a daemon with an invalid settings file does not start and says why', async () => {
  const root = join(dir, 'broken');
  assert.is((await gt(['install', root])).code, 0);
  writeFileSync(join(root, 'settings', 'config.json'), '{"daemon":{"recovery_interval":"soon"}}');
  const r = await gt(['daemon', 'start', '--town', root]);
  assert.is(r.code, 1);
  assert.match(r.stderr, /daemon failed to start: settings\/config\.json: daemon\.recovery_interval: expected a duration/);
  const st = await gt(['daemon', 'status', '--town', root]);
  assert.is(st.code, 3);
  assert.match(readFileSync(join(root, 'daemon', 'daemon.log'), 'utf8'), /ERROR cannot start: settings\/config\.json/);
});

test('--json errors carry a stable code', async () => {
  const r = await gt(['install', join(dir, 'alpha'), '--json']);
  assert.is(r.code, 1);
  assert.is(JSON.parse(r.stdout).error.code, 'TOWN_EXISTS');
});

test.run();

/**
 * Process names are exact names, simple globs or <version>: never user regular expressions. A
 * settings file with `/[/` (threw at every tick) or `/^(a+)+$/` (stalled the daemon at 100% CPU)
 * is refused with one clear line, and even if such a name reached the matcher it is a literal.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileProcessNames, globMatches } from '../../internal/agent/process-names.js';
import { loadSettings } from '../../internal/config/settings.js';
import { ConfigError } from '../../internal/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'gt-pnames-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('globs: * any run, ? one character, anchored at both ends', () => {
  assert.ok(globMatches('python3*', 'python3'));
  assert.ok(globMatches('python3*', 'python3.11'));
  assert.not.ok(globMatches('python3*', 'xpython3'));
  assert.ok(globMatches('agent-?', 'agent-7'));
  assert.not.ok(globMatches('agent-?', 'agent-'));
  assert.not.ok(globMatches('agent-?', 'agent-77'));
  assert.ok(globMatches('*-sim', 'gt-sim'));
  assert.ok(globMatches('a*b*c', 'aXXbYYc'));
  assert.not.ok(globMatches('a*b*c', 'aXXbYY'));
  assert.ok(globMatches('*', ''));
  const m = compileProcessNames(['gt-sim', 'py*', '<version>']);
  assert.ok(m('gt-sim') && m('python3') && m('2.1.197') && m('1.0.0-beta.1'));
  assert.not.ok(m('gt-sim-child') || m('node') || m('2.1'));
});

test('what looks like a regular expression is a literal name: it cannot throw or stall', () => {
  const broken = compileProcessNames(['/[/']);
  assert.not.ok(broken('a'));
  assert.ok(broken('/[/'));
  // The catastrophic pattern against a long matching-looking name: a literal compare, at once.
  const evil = compileProcessNames(['/^(a+)+$/']);
  const started = process.hrtime.bigint();
  for (let i = 0; i < 1000; i++) assert.not.ok(evil(`${'a'.repeat(40)}!`));
  // A glob of many stars backtracks only to its last star.
  assert.not.ok(globMatches('*a*a*a*a*a*a*a*a*b', 'a'.repeat(5000)));
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  assert.ok(ms < 5_000, `matching took ${ms} ms`);
});

function settingsError(processNames: unknown): ConfigError {
  const f = join(dir, 'config.json');
  writeFileSync(f, JSON.stringify({ agents: { mine: { command: 'mine', process_names: processNames } } }));
  try {
    loadSettings(f);
  } catch (e) {
    assert.instance(e, ConfigError);
    return e as ConfigError;
  }
  throw new Error(`process_names ${JSON.stringify(processNames)} was accepted`);
}

test('settings refuse regular expressions and odd names with one line naming the key', () => {
  for (const bad of [['/[/'], ['/^(a+)+$/'], ['a b'], ['x/y'], [''], ['[abc]']]) {
    const e = settingsError(bad);
    assert.match(e.line, /^settings\/config\.json: agents\.mine\.process_names\.0: expected an exact process name or a simple glob/);
    assert.match(e.line, /regular expressions are not supported/);
    assert.not.match(e.line, /\n/);
  }
  const f = join(dir, 'ok.json');
  writeFileSync(f, JSON.stringify({ agents: { mine: { command: 'mine', process_names: ['mine', 'mine-*', '<version>', 'python3.1?', '/opt/mine/bin/mine.js'] } } }));
  assert.equal(loadSettings(f).agents.mine!.process_names, ['mine', 'mine-*', '<version>', 'python3.1?', '/opt/mine/bin/mine.js']);
});

test.run();

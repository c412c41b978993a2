import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SETTINGS_FILE, loadSettings, settingsSchema } from '../../internal/config/settings.js';
import { daemonSettingsSchema } from '../../internal/config/daemon-settings.js';
import { ConfigError } from '../../internal/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'gt-settings-'));
const file = join(dir, 'config.json');
test.after(() => rmSync(dir, { recursive: true, force: true }));

function errorFor(content: string): ConfigError {
  writeFileSync(file, content);
  try {
    loadSettings(file);
  } catch (e) {
    assert.instance(e, ConfigError);
    return e as ConfigError;
  }
  throw new Error(`expected ${content} to be rejected`);
}

test('an empty object and a missing file both mean the documented defaults', () => {
  const fromEmpty = settingsSchema.parse({});
  assert.is(fromEmpty.agent, 'claude');
  assert.is(fromEmpty.daemon.recovery_interval, 180_000);
  assert.is(fromEmpty.daemon.log_max_size, 10 * 1024 * 1024);
  assert.is(fromEmpty.daemon.log_keep, 5);
  assert.is(fromEmpty.deacon.stale_after, 300_000);
  assert.is(fromEmpty.deacon.very_stale_after, 1_200_000);
  assert.is(fromEmpty.agents_health.dead_after, 900_000);
  assert.is(fromEmpty.restart.initial_backoff, 30_000);
  assert.is(fromEmpty.restart.crash_loop_count, 5);
  assert.is(fromEmpty.lifecycle.max_age, 6 * 3_600_000);
  assert.equal(loadSettings(join(dir, 'missing.json')), fromEmpty);
});

test('the written defaults (templates/settings/config.json) equal the schema defaults', () => {
  const tpl = JSON.parse(readFileSync(new URL('../../templates/settings/config.json', import.meta.url), 'utf8'));
  assert.equal(tpl, JSON.parse(JSON.stringify(DEFAULT_SETTINGS_FILE)));
  assert.equal(settingsSchema.parse(tpl), settingsSchema.parse({}));
  assert.ok(daemonSettingsSchema.safeParse(JSON.parse(readFileSync(new URL('../../templates/settings/daemon.json', import.meta.url), 'utf8'))).success);
});

test('shrunk durations parse (tests make hours run in seconds)', () => {
  const s = settingsSchema.parse({ daemon: { recovery_interval: '1s' }, restart: { initial_backoff: '200ms' } });
  assert.is(s.daemon.recovery_interval, 1000);
  assert.is(s.restart.initial_backoff, 200);
  assert.is(s.restart.max_backoff, 600_000, 'untouched keys keep their defaults');
});

test('a bad duration names the file, the key and the expected form', () => {
  const e = errorFor('{"daemon":{"recovery_interval":"fast"}}');
  assert.is(e.code, 'CONFIG_INVALID');
  assert.is(e.key, 'daemon.recovery_interval');
  assert.match(e.message, /^settings\/config\.json: daemon\.recovery_interval: expected a duration like "500ms", "30s", "3m" or "1h" \(got "fast"\)/);
});

test('an unknown key is named (typos do not silently fall back to defaults)', () => {
  const e = errorFor('{"daemon":{"recovery_intervall":"1s"}}');
  assert.match(e.message, /settings\/config\.json: daemon: unknown key "recovery_intervall"/);
});

test('broken JSON says so and names the file', () => {
  const e = errorFor('{"daemon": ');
  assert.match(e.message, /^settings\/config\.json: not valid JSON/);
});

test('wrong types and cross-field rules are explained', () => {
  assert.match(errorFor('{"daemon":{"log_keep":"five"}}').message, /daemon\.log_keep: /);
  assert.match(errorFor('{"daemon":{"log_max_size":"huge"}}').message, /expected a size like "512KB"/);
  assert.match(errorFor('{"deacon":{"stale_after":"10m","very_stale_after":"5m"}}').message, /deacon\.very_stale_after: must not be shorter than deacon\.stale_after/);
  assert.match(errorFor('{"agent":"a;rm -rf x"}').message, /agent: expected letters, digits/);
  assert.match(errorFor('{"roles":{"janitor":{"agent":"sim"}}}').message, /roles/);
});

test('custom runtimes validate with defaults for optional parts', () => {
  const s = settingsSchema.parse({ agents: { mybot: { command: 'mybot' } }, roles: { polecat: { agent: 'mybot' } } });
  assert.equal(s.agents.mybot, { command: 'mybot', args: [], process_names: [], env: {} });
  assert.is(s.roles.polecat?.agent, 'mybot');
});


test('daemon.metrics_listen: off by default, loopback only unless metrics_allow_remote', () => {
  assert.is(settingsSchema.parse({}).daemon.metrics_listen, null);
  for (const ok of ['127.0.0.1:9464', 'localhost:1', '[::1]:9464']) assert.is(settingsSchema.parse({ daemon: { metrics_listen: ok } }).daemon.metrics_listen, ok);
  const bad = settingsSchema.safeParse({ daemon: { metrics_listen: '0.0.0.0:9464' } });
  assert.not.ok(bad.success);
  assert.match(JSON.stringify(bad.error!.issues), /loopback/);
  assert.ok(settingsSchema.safeParse({ daemon: { metrics_listen: '0.0.0.0:9464', metrics_allow_remote: true } }).success);
  assert.not.ok(settingsSchema.safeParse({ daemon: { metrics_listen: 'nohost' } }).success);
});

test.run();

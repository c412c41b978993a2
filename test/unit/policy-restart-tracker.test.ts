import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { settingsSchema } from '../../internal/config/settings.js';
import {
  backoffFor,
  canStart,
  clear,
  clearBackoff,
  decay,
  emptyAgentRestart,
  emptyRestartState,
  loadRestartState,
  recordStart,
  reportStartFailure,
  saveRestartState,
  withAgentRestart,
  type AgentRestart,
} from '../../internal/daemon/policy/index.js';

const S = 1000;
const MIN = 60 * S;
const T0 = Date.parse('2025-01-01T00:00:00Z');
const defaults = settingsSchema.parse({}).restart;
const dir = mkdtempSync(join(tmpdir(), 'gt-policy-restart-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** Start whenever allowed, returning the backoff each start set. */
function startAsSoonAsAllowed(count: number, cfg = defaults): { s: AgentRestart; backoffs: number[]; times: number[] } {
  let s = emptyAgentRestart();
  let now = T0;
  const backoffs: number[] = [];
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const v = canStart(s, now, cfg);
    assert.ok(v.ok, `start ${i + 1} should be allowed at +${(now - T0) / S}s`);
    s = recordStart(s, now, cfg);
    times.push(now - T0);
    backoffs.push(s.backoffUntil - now);
    now = s.backoffUntil;
  }
  return { s, backoffs, times };
}

test('backoff doubles from 30s and is capped at 10m', () => {
  const cfg = { ...defaults, crash_loop_count: 100, crash_loop_window: 24 * 60 * MIN };
  const { backoffs } = startAsSoonAsAllowed(8, cfg);
  assert.equal(
    backoffs.map((b) => b / S),
    [30, 60, 120, 240, 480, 600, 600, 600],
  );
  assert.is(backoffFor(1, defaults), 30 * S);
  assert.is(backoffFor(20, defaults), 10 * MIN);
});

test('no start before the backoff ends; allowed exactly when it ends', () => {
  const s = recordStart(emptyAgentRestart(), T0, defaults);
  assert.equal(canStart(s, T0 + 29 * S, defaults), { ok: false, reason: 'backoff', until: T0 + 30 * S });
  assert.equal(canStart(s, T0 + 30 * S, defaults), { ok: true });
  assert.is(s.lastStart, T0);
});

test('restarts outside the crash-loop window do not grow the backoff', () => {
  let s = recordStart(emptyAgentRestart(), T0, defaults);
  s = recordStart(s, T0 + 16 * MIN, defaults);
  assert.is(s.restarts.length, 1);
  assert.is(s.backoffUntil - (T0 + 16 * MIN), 30 * S);
});

test('5 restarts within 15m enter the crash loop; 4 do not', () => {
  const four = startAsSoonAsAllowed(4).s;
  assert.is(four.crashLoop, null);
  const { s, times } = startAsSoonAsAllowed(5);
  assert.equal(
    times.map((t) => t / S),
    [0, 30, 90, 210, 450],
  );
  assert.equal(s.crashLoop, { since: T0 + 450 * S, alerted: false });
  // Long after the backoff, still refused: the crash loop, not the backoff, decides.
  assert.equal(canStart(s, T0 + 20 * MIN, defaults), { ok: false, reason: 'crash-loop', since: T0 + 450 * S });
});

test('restarts spread wider than the window never make a crash loop', () => {
  let s = emptyAgentRestart();
  for (let i = 0; i < 10; i++) s = recordStart(s, T0 + i * 16 * MIN, defaults);
  assert.is(s.crashLoop, null);
});

test('decay clears backoff and crash loop after stable_after without a start, keeps lastStart', () => {
  const { s } = startAsSoonAsAllowed(5);
  const last = s.lastStart;
  assert.is(decay(s, last + 30 * MIN - 1, defaults), s, 'unchanged just before stable_after');
  const d = decay(s, last + 30 * MIN, defaults);
  assert.equal(d.restarts, []);
  assert.is(d.crashLoop, null);
  assert.is(d.backoffUntil, 0);
  assert.is(d.lastStart, last);
  assert.equal(canStart(d, last + 30 * MIN, defaults), { ok: true });
  // After decay the backoff starts over at 30s.
  assert.is(recordStart(d, last + 30 * MIN, defaults).backoffUntil - (last + 30 * MIN), 30 * S);
});

test('clear (gt daemon clear-backoff) lets it start at once', () => {
  const { s } = startAsSoonAsAllowed(5);
  const c = clear(s);
  assert.equal(canStart(c, s.lastStart + 1, defaults), { ok: true });
  let state = withAgentRestart(withAgentRestart(emptyRestartState(), 'deacon', s), 'mayor', s);
  state = clearBackoff(state, 'deacon');
  assert.is(state.agents.deacon!.crashLoop, null);
  assert.ok(state.agents.mayor!.crashLoop, 'other agents keep their state');
  assert.is(clearBackoff(state).agents.mayor!.crashLoop, null);
});

test('a voluntary (lifecycle) start moves lastStart but neither counts nor backs off', () => {
  let s = emptyAgentRestart();
  for (let i = 0; i < 10; i++) s = recordStart(s, T0 + i * S, defaults, { voluntary: true });
  assert.is(s.crashLoop, null);
  assert.equal(s.restarts, []);
  assert.is(s.lastStart, T0 + 9 * S);
  assert.equal(canStart(s, T0 + 9 * S, defaults), { ok: true });
});

test('a start failure is recorded and the next start clears it', () => {
  let state = reportStartFailure(emptyRestartState(), 'myrig/polecats/toast', T0, 'no such directory');
  assert.equal(state.agents['myrig/polecats/toast']!.lastError, { at: T0, message: 'no such directory' });
  state = withAgentRestart(state, 'x', recordStart(state.agents['myrig/polecats/toast']!, T0 + 1, defaults));
  assert.is(state.agents.x!.lastError, null);
});

test('pure: recordStart and decay never mutate their input', () => {
  const s = Object.freeze({ ...recordStart(emptyAgentRestart(), T0, defaults), restarts: Object.freeze([T0]) as number[] });
  recordStart(s, T0 + MIN, defaults);
  decay(s, T0 + 60 * MIN, defaults);
  clear(s);
  assert.equal(s.restarts, [T0]);
});

test('save/load round trip; missing file is empty without a warning', () => {
  const file = join(dir, 'restart_state.json');
  const { s } = startAsSoonAsAllowed(5);
  const state = withAgentRestart(emptyRestartState(), 'deacon', s);
  saveRestartState(file, state);
  assert.equal(loadRestartState(file), { state });
  assert.equal(JSON.parse(readFileSync(file, 'utf8')).version, 1);
  assert.equal(loadRestartState(join(dir, 'nope', 'missing.json')), { state: emptyRestartState() });
});

test('a corrupt or invalid restart_state.json loads as empty with one warning naming the file', () => {
  const file = join(dir, 'corrupt.json');
  for (const content of ['{"version": 1, "agents": {', '{"version": 2, "agents": {}}', '{"version":1,"agents":{"deacon":{"restarts":"x"}}}', '']) {
    writeFileSync(file, content);
    const r = loadRestartState(file);
    assert.equal(r.state, emptyRestartState(), content);
    assert.type(r.warning, 'string', content);
    assert.match(r.warning!, 'daemon/restart_state.json');
  }
});

test.run();

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
  crashesInWindow,
  decay,
  decaysAt,
  emptyAgentRestart,
  emptyRestartState,
  loadRestartState,
  recordAttempt,
  recordDeath,
  recordRun,
  recordStop,
  release,
  reportStartFailure,
  sameRun,
  saveRestartState,
  stopAll,
  withAgentRestart,
  type AgentRestart,
} from '../../internal/daemon/policy/index.js';

const S = 1000;
const MIN = 60 * S;
const T0 = Date.parse('2025-01-01T00:00:00Z');
const defaults = settingsSchema.parse({}).restart;
const dir = mkdtempSync(join(tmpdir(), 'gt-policy-restart-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** Start at `at`, run `ranMs`, die: the tracker after the death. */
function runAndDie(s: AgentRestart, at: number, ranMs: number, cfg = defaults): AgentRestart {
  const running = recordRun(recordAttempt(s, at), { since: at, pid: 100 });
  return recordDeath(running, { at: at + ranMs, ranMs }, cfg);
}

/** Crash (short runs of 5s) whenever allowed; the backoff each death set. */
function crashAsSoonAsAllowed(count: number, cfg = defaults): { s: AgentRestart; backoffs: number[]; deaths: number[] } {
  let s = emptyAgentRestart();
  let now = T0;
  const backoffs: number[] = [];
  const deaths: number[] = [];
  for (let i = 0; i < count; i++) {
    assert.ok(canStart(s, now).ok, `start ${i + 1} should be allowed at +${(now - T0) / S}s`);
    s = runAndDie(s, now, 5 * S, cfg);
    deaths.push((now + 5 * S - T0) / S);
    backoffs.push(s.backoffUntil ? (s.backoffUntil - (now + 5 * S)) / S : 0);
    now = Math.max(now + 5 * S, s.backoffUntil);
  }
  return { s, backoffs, deaths };
}

test('a first start is not a restart: it counts for nothing and sets no backoff', () => {
  const s = recordRun(recordAttempt(emptyAgentRestart(), T0), { since: T0 + 200, pid: 7 });
  assert.equal(s.crashes, []);
  assert.is(s.backoffUntil, 0);
  assert.is(s.shortRuns, 0);
  assert.equal(s.running, { since: T0 + 200, pid: 7 });
  assert.is(s.lastStart, T0 + 200, 'the real start, not the attempt');
  assert.equal(canStart(s, T0 + 1), { ok: true });
});

test('the first death after a start is restarted at once, however short the run; it is counted', () => {
  const s = runAndDie(emptyAgentRestart(), T0, 2 * S);
  assert.equal(canStart(s, T0 + 2 * S), { ok: true });
  assert.is(s.backoffUntil, 0);
  assert.equal(s.crashes, [T0 + 2 * S]);
  assert.equal(s.lastExit, { at: T0 + 2 * S, ranMs: 2 * S, crash: true });
  assert.is(s.running, null);
});

test('a death after a run of at least min_uptime is restarted at once and is not a crash', () => {
  let s = runAndDie(emptyAgentRestart(), T0, 5 * S);
  s = runAndDie(s, T0 + 5 * S, 30 * S); // exactly min_uptime
  assert.equal(canStart(s, T0 + 35 * S), { ok: true });
  assert.is(s.shortRuns, 0, 'a long run starts the count over');
  assert.is(s.crashes.length, 1, 'only the short run counted');
  assert.is(s.lastExit!.crash, false);
  // The next short death is "the first after a start" again: at once.
  s = runAndDie(s, T0 + 35 * S, 3 * S);
  assert.is(s.backoffUntil, 0);
});

test('consecutive short runs back off from the death: 30s doubling to 10m', () => {
  const cfg = { ...defaults, crash_loop_count: 100, crash_loop_window: 24 * 60 * MIN };
  const { backoffs } = crashAsSoonAsAllowed(9, cfg);
  assert.equal(backoffs, [0, 30, 60, 120, 240, 480, 600, 600, 600]);
  assert.is(backoffFor(1, defaults), 0);
  assert.is(backoffFor(2, defaults), 30 * S);
  assert.is(backoffFor(30, defaults), 10 * MIN);
  // The backoff is measured from the death, not from the start before it.
  const s = runAndDie(runAndDie(emptyAgentRestart(), T0, 5 * S), T0 + 5 * S, 10 * S);
  assert.is(s.backoffUntil, T0 + 15 * S + 30 * S);
  assert.equal(canStart(s, T0 + 45 * S - 1), { ok: false, reason: 'backoff', until: T0 + 45 * S });
  assert.equal(canStart(s, T0 + 45 * S), { ok: true });
});

test('the crash loop counts short runs, not starts: 5 within 15m', () => {
  const four = crashAsSoonAsAllowed(4).s;
  assert.is(four.crashLoop, null);
  const { s, deaths } = crashAsSoonAsAllowed(5);
  assert.equal(deaths, [5, 10, 45, 110, 235]);
  assert.equal(s.crashLoop, { since: T0 + 235 * S, alerted: false });
  assert.equal(canStart(s, T0 + 20 * MIN), { ok: false, reason: 'crash-loop', since: T0 + 235 * S });
  // Any number of starts and long runs never make one.
  let long = emptyAgentRestart();
  for (let i = 0; i < 20; i++) long = runAndDie(long, T0 + i * MIN, 40 * S);
  assert.is(long.crashLoop, null);
  assert.is(crashesInWindow(long, T0 + 20 * MIN, defaults), 0);
});

test('short runs spread wider than the window never make a crash loop', () => {
  let s = emptyAgentRestart();
  for (let i = 0; i < 10; i++) s = runAndDie(s, T0 + i * 16 * MIN, 5 * S);
  assert.is(s.crashLoop, null);
  assert.is(crashesInWindow(s, T0 + 9 * 16 * MIN + 5 * S, defaults), 1);
});

test('decay forgets crashes, backoff and the crash loop stable_after after the last crash', () => {
  const { s } = crashAsSoonAsAllowed(5);
  const last = T0 + 235 * S;
  assert.is(decaysAt(s, defaults), last + 30 * MIN);
  assert.is(decay(s, last + 30 * MIN - 1, defaults), s, 'unchanged just before stable_after');
  const d = decay(s, last + 30 * MIN, defaults);
  assert.equal([d.crashes, d.shortRuns, d.backoffUntil, d.crashLoop], [[], 0, 0, null]);
  assert.equal(d.lastExit, s.lastExit, 'the last exit stays');
  assert.equal(canStart(d, last + 30 * MIN), { ok: true });
  assert.is(decaysAt(d, defaults), undefined);
  // After decay a short death is the first again: at once.
  assert.is(runAndDie(d, last + 31 * MIN, 5 * S).backoffUntil, 0);
});

test('deliberate stops are not crashes: they end the run, start the count over, and a hold keeps it down', () => {
  let s = runAndDie(emptyAgentRestart(), T0, 5 * S); // one short run
  s = recordRun(s, { since: T0 + 10 * S });
  s = recordStop(s, T0 + 12 * S, 'gt down');
  assert.equal(s.lastExit, { at: T0 + 12 * S, ranMs: 2 * S, stoppedBy: 'gt down', crash: false });
  assert.is(s.shortRuns, 0);
  assert.is(s.crashes.length, 1, 'the stop added no crash');
  assert.equal(canStart(s, T0 + 12 * S), { ok: true });
  const held = recordStop(recordRun(s, { since: T0 + 20 * S }), T0 + 21 * S, 'lifecycle shutdown', { hold: true });
  assert.equal(canStart(held, T0 + 22 * S), { ok: false, reason: 'held', hold: { at: T0 + 21 * S, reason: 'lifecycle shutdown' } });
  assert.equal(canStart(release(held), T0 + 22 * S), { ok: true });
  assert.is(recordRun(held, { since: T0 + 30 * S }).held, null, 'running again: no longer held');
  // gt down stops every running agent at once, and nothing else.
  const state = withAgentRestart(withAgentRestart(emptyRestartState(), 'a', recordRun(emptyAgentRestart(), { since: T0 })), 'b', s);
  const after = stopAll(state, T0 + MIN, 'gt down');
  assert.is(after.agents.a!.running, null);
  assert.is(after.agents.a!.lastExit!.stoppedBy, 'gt down');
  assert.is(after.agents.b, state.agents.b);
});

test('five start/stop cycles in a minute: no backoff, no crash, no crash loop', () => {
  let s = emptyAgentRestart();
  for (let i = 0; i < 5; i++) {
    const at = T0 + i * 12 * S;
    assert.ok(canStart(s, at).ok);
    s = recordStop(recordRun(recordAttempt(s, at), { since: at }), at + 5 * S, 'gt down');
  }
  assert.equal([s.crashes, s.backoffUntil, s.crashLoop, s.shortRuns], [[], 0, null, 0]);
});

test('same run: same pid and start (within clock granularity); a new pid is a new run', () => {
  assert.ok(sameRun({ since: T0, pid: 5 }, { since: T0 + 900, pid: 5 }));
  assert.not.ok(sameRun({ since: T0, pid: 5 }, { since: T0, pid: 6 }));
  assert.not.ok(sameRun({ since: T0, pid: 5 }, { since: T0 + 10 * S, pid: 5 }), 'a recycled pid');
  assert.ok(sameRun({ since: T0 }, { since: T0 + 500, pid: 5 }));
});

test('clear (gt daemon clear-backoff) lets it start at once', () => {
  const { s } = crashAsSoonAsAllowed(5);
  const c = clear(s);
  assert.equal(canStart(c, T0 + 236 * S), { ok: true });
  let state = withAgentRestart(withAgentRestart(emptyRestartState(), 'deacon', s), 'mayor', s);
  state = clearBackoff(state, 'deacon');
  assert.is(state.agents.deacon!.crashLoop, null);
  assert.ok(state.agents.mayor!.crashLoop, 'other agents keep their state');
  assert.is(clearBackoff(state).agents.mayor!.crashLoop, null);
});

test('a start failure is recorded and the next run clears it', () => {
  const state = reportStartFailure(emptyRestartState(), 'myrig/polecats/toast', T0, 'no such directory');
  assert.equal(state.agents['myrig/polecats/toast']!.lastError, { at: T0, message: 'no such directory' });
  assert.is(recordRun(state.agents['myrig/polecats/toast']!, { since: T0 + 1 }).lastError, null);
});

test('pure: the tracker functions never mutate their input', () => {
  const s = Object.freeze({ ...runAndDie(emptyAgentRestart(), T0, S), crashes: Object.freeze([T0 + S]) as number[] });
  recordDeath(recordRun(s, { since: T0 + 2 * S }), { at: T0 + 3 * S, ranMs: S }, defaults);
  decay(s, T0 + 60 * MIN, defaults);
  recordStop(s, T0 + 5 * S, 'x', { hold: true });
  clear(s);
  assert.equal(s.crashes, [T0 + S]);
});

test('save/load round trip; missing file is empty without a warning; a v1 file is upgraded', () => {
  const file = join(dir, 'restart_state.json');
  const { s } = crashAsSoonAsAllowed(5);
  const state = withAgentRestart(emptyRestartState(), 'deacon', s);
  saveRestartState(file, state);
  assert.equal(loadRestartState(file), { state });
  assert.equal(JSON.parse(readFileSync(file, 'utf8')).version, 2);
  assert.equal(loadRestartState(join(dir, 'nope', 'missing.json')), { state: emptyRestartState() });
  writeFileSync(file, JSON.stringify({ version: 1, agents: { mayor: { restarts: [T0], backoffUntil: T0 + 30 * S, lastStart: T0, crashLoop: { since: T0, alerted: true }, lastError: null } } }));
  const up = loadRestartState(file);
  assert.is(up.warning, undefined);
  assert.equal(up.state.agents.mayor, { ...emptyAgentRestart(), lastStart: T0, backoffUntil: T0 + 30 * S, crashLoop: { since: T0, alerted: true }, crashes: [T0] });
});

test('a corrupt or invalid restart_state.json loads as empty with one warning naming the file', () => {
  const file = join(dir, 'corrupt.json');
  for (const content of ['{"version": 2, "agents": {', '{"version": 3, "agents": {}}', '{"version":2,"agents":{"deacon":{"crashes":"x"}}}', '']) {
    writeFileSync(file, content);
    const r = loadRestartState(file);
    assert.equal(r.state, emptyRestartState(), content);
    assert.type(r.warning, 'string', content);
    assert.match(r.warning!, 'daemon/restart_state.json');
  }
});

test.run();

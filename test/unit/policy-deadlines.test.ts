import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { settingsSchema, type Settings } from '../../internal/config/settings.js';
import type { AgentSpec } from '../../internal/session/resolve.js';
import {
  decide,
  describeAction,
  emptyAgentRestart,
  emptyNotifyState,
  emptyRestartState,
  recordAttempt,
  recordDeath,
  recordRun,
  updateAgent,
  withAgentRestart,
  type Decision,
  type NotifyState,
  type Observation,
  type RestartState,
} from '../../internal/daemon/policy/index.js';
import { DEACON, HOUR, MAYOR, MIN, S, T0, WITNESS, cfg, observation, observedAgent, observedPolecat } from '../helpers/policy-fixtures.js';

/**
 * decide() reports the earliest future instant at which one of its decisions could change. For
 * each rule: the deadline it reports, and that the decision really is the same just before it
 * and different at it (so the daemon, waking then, acts on time and not a moment later).
 */

const BOOT: AgentSpec = { role: 'boot', identity: 'boot', session: 'hq-boot', workdir: 'deacon/dogs/boot' };
const show = (d: Decision) => d.actions.map(describeAction);

interface Case {
  observe: (now: number) => Observation;
  restart?: RestartState;
  notify?: NotifyState;
  settings?: Settings;
}

/** decide at `now`; then check the decision flips exactly at the reported deadline. */
function flipsAt(c: Case, now: number, reason: string | RegExp, at: number): Decision {
  const run = (t: number) => decide(c.observe(t), c.settings ?? cfg, c.restart ?? emptyRestartState(), c.notify ?? emptyNotifyState());
  const d = run(now);
  assert.ok(d.next, `a deadline is reported (actions: ${show(d).join(', ')})`);
  assert.is(d.next!.at, at, `deadline ${new Date(d.next!.at).toISOString()} (${d.next!.reason})`);
  if (typeof reason === 'string') assert.is(d.next!.reason, reason);
  else assert.match(d.next!.reason, reason);
  assert.equal(show(run(at - 1)), show(d), 'nothing changes before it');
  assert.not.equal(show(run(at)), show(d), 'the decision changes at it');
  return d;
}

test('nothing waiting: a healthy idle town reports no deadline (the interval tick is the safety net)', () => {
  const d = decide(observation(T0, [observedAgent(DEACON), observedAgent(MAYOR), observedAgent(WITNESS)]), cfg, emptyRestartState(), emptyNotifyState());
  assert.equal(show(d), []);
  assert.is(d.next, null);
});

test('backoff ends: a second quick death waits, and is started the moment its backoff ends', () => {
  let r = withAgentRestart(emptyRestartState(), 'mayor', recordRun(emptyAgentRestart(), { since: T0 - 20 * S }));
  r = updateAgent(r, 'mayor', (s) => recordRun(recordDeath(s, { at: T0 - 15 * S, ranMs: 5 * S }, cfg.restart), { since: T0 - 14 * S }));
  // Seen dead at T0: the second short run in a row -> backoff 30s from the death.
  const first = decide(observation(T0, [observedAgent(MAYOR, { liveness: 'dead' })]), cfg, r, emptyNotifyState());
  const c: Case = { observe: (now) => observation(now, [observedAgent(MAYOR, { liveness: 'dead' })]), restart: first.restart, notify: first.notify };
  const d = flipsAt(c, T0 + S, 'mayor backoff ends', T0 + 30 * S);
  assert.equal(show(decide(c.observe(T0 + 30 * S), cfg, first.restart, d.notify)), ['start mayor']);
});

test('startup grace ends: a young session that looks like a zombie is looked at again then', () => {
  flipsAt(
    { observe: (now) => observation(now, [observedAgent(MAYOR, { liveness: now < T0 + 3 * S ? 'unknown' : 'zombie', ...(now < T0 + 3 * S ? { graceEnds: T0 + 3 * S } : {}) })]) },
    T0,
    'mayor startup grace ends',
    T0 + 3 * S,
  );
});

test('deacon: grace ends, heartbeat goes stale, then very stale (only with work in flight)', () => {
  const started = withAgentRestart(emptyRestartState(), 'deacon', recordRun(emptyAgentRestart(), { since: T0 }));
  const town = (beat: number) => (now: number) => observation(now, [observedAgent(DEACON, {}, now), observedPolecat(now)], { deaconHeartbeat: { timestamp: beat } });
  flipsAt({ observe: town(T0 - 5 * HOUR), restart: started }, T0 + MIN, 'deacon grace ends', T0 + 5 * MIN);
  flipsAt({ observe: town(T0 + MIN) }, T0 + 2 * MIN, 'deacon heartbeat goes stale', T0 + 6 * MIN);
  const stale = decide(town(T0 + MIN)(T0 + 7 * MIN), cfg, emptyRestartState(), emptyNotifyState());
  assert.ok(show(stale).includes('nudge deacon'));
  flipsAt({ observe: town(T0 + MIN), notify: stale.notify, restart: stale.restart }, T0 + 8 * MIN, 'deacon heartbeat goes very stale', T0 + 21 * MIN);
  // No work in flight: the deacon's silence changes nothing, so nothing is waited for.
  const idle = decide(observation(T0 + 2 * MIN, [observedAgent(DEACON, {}, T0 + 2 * MIN)], { deaconHeartbeat: { timestamp: T0 } }), cfg, emptyRestartState(), emptyNotifyState());
  assert.is(idle.next, null);
});

test('boot cooldown ends: the next triage start of boot', () => {
  const town = (now: number) =>
    observation(now, [observedAgent(DEACON, {}, now), observedPolecat(now), observedAgent(BOOT, { supervised: false, liveness: 'dead', bead: null })], { deaconHeartbeat: { timestamp: T0 - 6 * MIN } });
  const first = decide(town(T0), cfg, emptyRestartState(), emptyNotifyState());
  assert.ok(show(first).includes('start boot'));
  const d = decide(town(T0 + 10 * S), cfg, first.restart, first.notify);
  assert.equal(d.next, { at: T0 + 2 * MIN, reason: 'boot cooldown ends' });
  assert.ok(show(decide(town(T0 + 2 * MIN), cfg, first.restart, d.notify)).includes('start boot'));
});

test('dead_after: a polecat working without progress is marked dead when it runs out', () => {
  const working = (now: number) => observation(now, [observedPolecat(now, { heartbeat: { timestamp: T0, state: 'working' }, bead: { agent_state: 'working', hook_bead: 'mr-1', updated_at: T0 } })]);
  const d = flipsAt({ observe: working }, T0 + MIN, 'myrig/polecats/toast working without progress for 15m', T0 + 15 * MIN);
  assert.equal(show(decide(working(T0 + 15 * MIN), cfg, d.restart, d.notify)), ['markDead myrig/polecats/toast']);
});

test('gupp_after: a polecat idle at its prompt with hooked work gets its GUPP_VIOLATION when it runs out', () => {
  const idle = (now: number) => observation(now, [observedPolecat(now, { heartbeat: { timestamp: T0, state: 'idle' }, bead: { agent_state: 'working', hook_bead: 'mr-1', updated_at: T0 } })]);
  const d = flipsAt({ observe: idle }, T0 + 20 * MIN, 'myrig/polecats/toast idle with hooked work for 30m', T0 + 30 * MIN);
  assert.equal(show(decide(idle(T0 + 30 * MIN), cfg, d.restart, d.notify)), ['mail myrig/witness GUPP_VIOLATION']);
});

test('notification slot max age: a violation that persists is told again after slot_max_age', () => {
  const idle = (now: number) => observation(now, [observedPolecat(now, { heartbeat: { timestamp: T0, state: 'idle' }, bead: { agent_state: 'working', hook_bead: 'mr-1', updated_at: T0 } })]);
  const mailed = decide(idle(T0 + 30 * MIN), cfg, emptyRestartState(), emptyNotifyState());
  assert.equal(show(mailed), ['mail myrig/witness GUPP_VIOLATION']);
  flipsAt({ observe: idle, notify: mailed.notify, restart: mailed.restart }, T0 + 31 * MIN, 'gupp myrig/polecats/toast may be told again (slot max age)', T0 + 30 * MIN + HOUR);
});

test('spawning grace ends: a polecat whose sling never started it is started then', () => {
  const spawning = (now: number) => observation(now, [observedPolecat(now, { liveness: 'dead', bead: { agent_state: 'spawning', hook_bead: 'mr-1', updated_at: T0 } })]);
  flipsAt({ observe: spawning }, T0 + MIN, 'myrig/polecats/toast spawning grace ends', T0 + 5 * MIN);
});

test('crash loop decays: tried again stable_after after its last crash', () => {
  const looping = withAgentRestart(emptyRestartState(), 'mayor', { ...emptyAgentRestart(), lastStart: T0 - MIN, crashes: [T0 - MIN], crashLoop: { since: T0 - MIN, alerted: true } });
  const c: Case = { observe: (now) => observation(now, [observedAgent(MAYOR, { liveness: 'dead' })]), restart: looping };
  const first = decide(c.observe(T0), cfg, looping, emptyNotifyState());
  flipsAt({ ...c, notify: first.notify }, T0, 'mayor crash loop decays', T0 - MIN + 30 * MIN);
});

test('lifecycle request max age: one that waits for an unobservable sender expires then', () => {
  const req = { id: 'm1', from: 'myrig/witness', sender: 'myrig/witness', action: 'cycle' as const, createdAt: T0 - HOUR };
  flipsAt({ observe: (now) => observation(now, [observedAgent(WITNESS, { liveness: 'unknown' })], { lifecycle: [req] }) }, T0, 'lifecycle request m1 expires', T0 + 5 * HOUR);
});

test('the earliest deadline wins; instants already past are never reported', () => {
  const town = (now: number) =>
    observation(now, [
      observedPolecat(now, { heartbeat: { timestamp: T0, state: 'idle' }, bead: { agent_state: 'working', hook_bead: 'mr-1', updated_at: T0 } }),
      observedAgent(MAYOR, { liveness: 'unknown', graceEnds: T0 + 2 * S }),
    ]);
  assert.equal(decide(town(T0), cfg, emptyRestartState(), emptyNotifyState()).next, { at: T0 + 2 * S, reason: 'mayor startup grace ends' });
  assert.equal(decide(town(T0 + 3 * S), cfg, emptyRestartState(), emptyNotifyState()).next, { at: T0 + 30 * MIN, reason: 'myrig/polecats/toast idle with hooked work for 30m' });
});

test('GUPP and dead_after are told apart by what the agent reports, not by which threshold is shorter', () => {
  const at = (state: 'idle' | 'working' | 'blocked', quiet: number) =>
    show(decide(observation(T0, [observedPolecat(T0, { heartbeat: { timestamp: T0 - quiet, state }, bead: { agent_state: 'working', hook_bead: 'mr-1', updated_at: T0 - quiet } })]), cfg, emptyRestartState(), emptyNotifyState()));
  // Defaults: dead_after 15m < gupp_after 30m. Idle for 20m is not hung: no mark, no mail yet.
  assert.equal(at('idle', 20 * MIN), []);
  assert.equal(at('idle', 31 * MIN), ['mail myrig/witness GUPP_VIOLATION']);
  assert.equal(at('working', 16 * MIN), ['markDead myrig/polecats/toast']);
  assert.equal(at('working', 31 * MIN), ['markDead myrig/polecats/toast'], 'working is never a GUPP violation');
  // Waiting for a person (or stuck: the state model reads `stuck` as blocked): neither rule.
  assert.equal(at('blocked', 5 * HOUR), []);
  // With the thresholds scaled by one factor the same holds.
  const scaled = settingsSchema.parse({ agents_health: { dead_after: '9s', gupp_after: '18s', spawning_grace: '3s', startup_grace: '50ms' } });
  const s = (state: 'idle' | 'working', quiet: number) =>
    show(decide(observation(T0, [observedPolecat(T0, { heartbeat: { timestamp: T0 - quiet, state }, bead: { agent_state: 'working', hook_bead: 'mr-1', updated_at: T0 - quiet } })]), scaled, emptyRestartState(), emptyNotifyState()));
  assert.equal(s('idle', 12 * S), []);
  assert.equal(s('idle', 18 * S), ['mail myrig/witness GUPP_VIOLATION']);
  assert.equal(s('working', 9 * S), ['markDead myrig/polecats/toast']);
});

test('a start records the attempt only: a start act skipped counts for nothing', () => {
  const d = decide(observation(T0, [observedAgent(MAYOR, { liveness: 'dead' })]), cfg, emptyRestartState(), emptyNotifyState());
  assert.equal(show(d), ['start mayor']);
  assert.equal(d.restart.agents.mayor, recordAttempt(emptyAgentRestart(), T0));
  // The next tick finds it still dead (act skipped the start): no death, started again.
  const again = decide(observation(T0 + S, [observedAgent(MAYOR, { liveness: 'dead' })]), cfg, d.restart, d.notify);
  assert.equal(show(again), ['start mayor']);
  assert.equal(again.restart.agents.mayor!.crashes, []);
});

test.run();

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { settingsSchema } from '../../internal/config/settings.js';
import type { AgentSpec } from '../../internal/session/resolve.js';
import {
  decide,
  describeAction,
  emptyNotifyState,
  emptyRestartState,
  emptyAgentRestart,
  recordAttempt,
  recordRun,
  recordDeath,
  release,
  reportStartFailure,
  updateAgent,
  withAgentRestart,
  type Action,
  type Decision,
  type LifecycleRequest,
  type NotifyState,
  type Observation,
  type ObservedAgent,
  type RestartState,
} from '../../internal/daemon/policy/index.js';
import { DEACON, HOUR, MAYOR, MIN, REFINERY, S, T0, TOAST, WITNESS, cfg, observation, observedAgent, observedPolecat } from '../helpers/policy-fixtures.js';

/** Single-tick scenarios: each policy bullet, as an observation and the expected action list. */

const agent = observedAgent;
const polecat = (over: Partial<ObservedAgent> = {}, now = T0): ObservedAgent => observedPolecat(now, over);
const obs = (agents: ObservedAgent[], over: Partial<Observation> = {}): Observation => observation(T0, agents, over);

function run(o: Observation, restart: RestartState = emptyRestartState(), notify: NotifyState = emptyNotifyState()): Decision {
  return decide(o, cfg, restart, notify);
}

function show(actions: Action[]): string[] {
  return actions.map(describeAction);
}

/** The daemon started `identity` at `at` and has seen it run since. */
function started(identity: string, at: number): RestartState {
  return withAgentRestart(emptyRestartState(), identity, recordRun(recordAttempt(emptyAgentRestart(), at), { since: at }));
}

/** The daemon tried to start `identity` at `at`; no run was seen. */
function attempted(identity: string, at: number): RestartState {
  return withAgentRestart(emptyRestartState(), identity, recordAttempt(emptyAgentRestart(), at));
}

function mails(actions: Action[]): Extract<Action, { type: 'mail' }>[] {
  return actions.filter((a): a is Extract<Action, { type: 'mail' }> => a.type === 'mail');
}

test('a healthy town needs nothing', () => {
  assert.equal(show(run(obs([agent(DEACON), agent(MAYOR), agent(WITNESS), agent(REFINERY), polecat()])).actions), []);
});

test('a missing supervised session is started and the start recorded', () => {
  const d = run(obs([agent(DEACON), agent(WITNESS, { liveness: 'dead' })]));
  assert.equal(show(d.actions), ['start myrig/witness']);
  assert.is(d.restart.agents['myrig/witness']!.lastStart, T0);
  assert.is(d.restart.agents['myrig/witness']!.backoffUntil, 0, 'a first start sets no backoff');
  assert.equal(d.restart.agents['myrig/witness']!.crashes, [], 'and counts for nothing');
});

test('a death is seen from the recorded run: the first one restarted at once, a second quick one backs off from the death', () => {
  const dead = (now: number) => obs([agent(WITNESS, { liveness: 'dead' })], { now });
  // Seen running since T0 (a record that survives a daemon restart), seen dead 10s later.
  const first = run(dead(T0 + 10 * S), started('myrig/witness', T0));
  assert.equal(show(first.actions), ['log warn', 'start myrig/witness']);
  assert.match((first.actions[0] as Extract<Action, { type: 'log' }>).message, /^myrig\/witness died after 10s: first short run since its start; restarting at once$/);
  assert.is(first.next, null, 'nothing to wait for');
  // It runs again from +11s, and dies at +20s: a second short run in a row.
  const running = withAgentRestart(first.restart, 'myrig/witness', recordRun(first.restart.agents['myrig/witness']!, { since: T0 + 11 * S }));
  const second = run(dead(T0 + 20 * S), running, first.notify);
  assert.equal(show(second.actions), ['log warn', 'log debug']);
  assert.match((second.actions[0] as Extract<Action, { type: 'log' }>).message, `short run 2 in a row; restart backoff until ${new Date(T0 + 50 * S).toISOString()}`);
  assert.equal(second.next, { at: T0 + 50 * S, reason: 'myrig/witness backoff ends' });
  // One debug line for the whole backoff episode; started when it ends.
  const waiting = run(dead(T0 + 30 * S), second.restart, second.notify);
  assert.equal(show(waiting.actions), []);
  assert.equal(waiting.next, { at: T0 + 50 * S, reason: 'myrig/witness backoff ends' });
  const after = run(dead(T0 + 50 * S), waiting.restart, waiting.notify);
  assert.equal(show(after.actions), ['start myrig/witness']);
  assert.equal(after.restart.agents['myrig/witness']!.crashes, [T0 + 10 * S, T0 + 20 * S]);
});

test('a death after a run of min_uptime or more is restarted at once and is not a crash', () => {
  const d = run(obs([agent(WITNESS, { liveness: 'dead' })], { now: T0 + 31 * S }), started('myrig/witness', T0));
  assert.equal(show(d.actions), ['log info', 'start myrig/witness']);
  assert.match((d.actions[0] as Extract<Action, { type: 'log' }>).message, 'ran at least 30s; restarting at once');
  assert.equal(d.restart.agents['myrig/witness']!.crashes, []);
});

test('a zombie with a dead pane: its exit status is recorded with the death', () => {
  const d = run(obs([agent(REFINERY, { liveness: 'zombie', exit: { status: 3 } })], { now: T0 + 5 * S }), started('myrig/refinery', T0));
  assert.equal(show(d.actions), ['log warn', 'restart myrig/refinery']);
  assert.match((d.actions[0] as Extract<Action, { type: 'log' }>).message, 'died after 5s (exit status 3)');
  assert.equal(d.restart.agents['myrig/refinery']!.lastExit, { at: T0 + 5 * S, ranMs: 5 * S, status: 3, crash: true });
});

test('an agent seen alive has its run recorded (whoever started it); the same run is not recorded again', () => {
  const d = run(obs([agent(MAYOR, { run: { since: T0 - MIN, pid: 42 } })]));
  assert.equal(show(d.actions), []);
  assert.equal(d.restart.agents.mayor!.running, { since: T0 - MIN, pid: 42 });
  assert.is(d.restart.agents.mayor!.lastStart, T0 - MIN);
  const again = run(obs([agent(MAYOR, { run: { since: T0 - MIN + 300, pid: 42 } })], { now: T0 + MIN }), d.restart, d.notify);
  assert.is(again.restart.agents.mayor, d.restart.agents.mayor);
});

test('a zombie is restarted (kill tree + start) and carries the liveness decide saw', () => {
  const d = run(obs([agent(REFINERY, { liveness: 'zombie' })]));
  assert.equal(show(d.actions), ['restart myrig/refinery']);
  const a = d.actions[0]!;
  assert.ok(a.type === 'restart' && a.observed === 'zombie' && a.agent.session === 'mr-refinery');
});

test('unknown liveness: never act on that agent, whatever else looks wrong', () => {
  const old = T0 - 5 * HOUR;
  const agents = [
    agent(WITNESS, { liveness: 'unknown', bead: { agent_state: 'dead', hook_bead: null, updated_at: T0 } }),
    polecat({ liveness: 'unknown', workdirExists: false, heartbeat: { timestamp: old }, bead: { agent_state: 'working', hook_bead: 'mr-1', updated_at: old } }),
    agent(DEACON, { liveness: 'unknown' }),
  ];
  const d = run(obs(agents, { deaconHeartbeat: { timestamp: old } }), withAgentRestart(emptyRestartState(), 'myrig/witness', { ...emptyAgentRestart(), crashLoop: { since: T0, alerted: false } }));
  assert.equal(show(d.actions), []);
});

test('gates: no destructive action at all, one log line per gate episode', () => {
  const old = T0 - 5 * HOUR;
  const messy = (now: number, gates: Observation['gates']) =>
    obs(
      [
        agent(DEACON, { liveness: 'dead' }),
        agent(WITNESS, { liveness: 'zombie' }),
        agent(REFINERY, { bead: { agent_state: 'dead', hook_bead: null, updated_at: now } }),
        polecat({ heartbeat: { timestamp: old }, bead: { agent_state: 'working', hook_bead: 'mr-1', updated_at: old } }),
      ],
      { now, gates, deaconHeartbeat: { timestamp: old }, lifecycle: [{ id: 'm1', from: 'myrig/witness', sender: 'myrig/witness', action: 'cycle', createdAt: now }] },
    );
  const inRestart = emptyRestartState();
  let d = run(messy(T0, { shutdownLock: true, estop: false }), inRestart);
  assert.equal(show(d.actions), ['log warn']);
  assert.is.not(d.restart, inRestart, 'a new state object even when nothing changed');
  for (let i = 1; i <= 5; i++) {
    d = run(messy(T0 + i * HOUR, { shutdownLock: true, estop: false }), d.restart, d.notify);
    assert.equal(show(d.actions), [], `tick ${i}`);
  }
  // ESTOP added: its own episode, one more line; still nothing else.
  d = run(messy(T0 + 6 * HOUR, { shutdownLock: true, estop: true }), d.restart, d.notify);
  assert.equal(show(d.actions), ['log warn']);
  assert.match((d.actions[0] as Extract<Action, { type: 'log' }>).message, 'ESTOP');
  // Gates open: normal policy resumes (and the lifecycle request is handled now).
  const open = run(messy(T0 + 7 * HOUR, { shutdownLock: false, estop: false }), d.restart, d.notify);
  assert.ok(open.actions.some((a) => a.type === 'start'));
  // Closing again is a new episode.
  const again = run(messy(T0 + 8 * HOUR, { shutdownLock: false, estop: true }), open.restart, open.notify);
  assert.equal(show(again.actions), ['log warn']);
});

test('circuit breaker: bead marked dead with a live session -> restart; a mark older than our last start is not repeated', () => {
  const marked = agent(WITNESS, { bead: { agent_state: 'dead', hook_bead: null, updated_at: T0 - MIN } });
  assert.equal(show(run(obs([marked])).actions), ['restart myrig/witness']);
  assert.equal(show(run(obs([marked]), started('myrig/witness', T0 - 30 * S)).actions), []);
});

test('working with hooked work and no progress for 15m -> markDead; fresh heartbeat or bead -> nothing', () => {
  const old = T0 - 16 * MIN;
  const stale = polecat({ heartbeat: { timestamp: old }, bead: { agent_state: 'working', hook_bead: 'mr-1', updated_at: old } });
  const d = run(obs([stale]));
  assert.equal(show(d.actions), ['markDead myrig/polecats/toast']);
  assert.is((d.actions[0] as Extract<Action, { type: 'markDead' }>).expectState, 'working');
  assert.equal(show(run(obs([{ ...stale, heartbeat: { timestamp: T0 - MIN } }])).actions), []);
  assert.equal(show(run(obs([{ ...stale, bead: { ...stale.bead!, updated_at: T0 - MIN } }])).actions), []);
  // "running" counts as working.
  assert.equal(show(run(obs([{ ...stale, bead: { ...stale.bead!, agent_state: 'running' } }])).actions), ['markDead myrig/polecats/toast']);
  // 14m: not yet.
  const young = T0 - 14 * MIN;
  assert.equal(show(run(obs([polecat({ heartbeat: { timestamp: young }, bead: { agent_state: 'working', hook_bead: 'mr-1', updated_at: young } })])).actions), []);
});

test('working but no work in flight: idle, never marked for being quiet', () => {
  const old = T0 - 5 * HOUR;
  const w = agent(WITNESS, { heartbeat: { timestamp: old }, bead: { agent_state: 'working', hook_bead: null, updated_at: old } });
  assert.equal(show(run(obs([w])).actions), []);
});

test('GUPP violation: polecat alive with hook, no progress 30m -> one witness mail per episode', () => {
  const old = T0 - 31 * MIN;
  const stuck = (now: number, updated = old) => polecat({ heartbeat: { timestamp: updated, state: 'idle' }, bead: { agent_state: 'working', hook_bead: 'mr-7', updated_at: updated } }, now);
  let d = run(obs([stuck(T0)]));
  assert.equal(show(d.actions), ['mail myrig/witness GUPP_VIOLATION']);
  const m = mails(d.actions)[0]!;
  assert.match(m.subject, /^GUPP_VIOLATION: myrig\/polecats\/toast /);
  assert.match(m.body, 'hook: mr-7');
  d = run(obs([stuck(T0 + 10 * MIN)], { now: T0 + 10 * MIN }), d.restart, d.notify);
  assert.equal(show(d.actions), [], 'same episode');
  // Progress ends the episode; going quiet again is a new one.
  d = run(obs([stuck(T0 + 11 * MIN, T0 + 11 * MIN)], { now: T0 + 11 * MIN }), d.restart, d.notify);
  assert.equal(show(d.actions), []);
  d = run(obs([stuck(T0 + 42 * MIN, T0 + 11 * MIN)], { now: T0 + 42 * MIN }), d.restart, d.notify);
  assert.equal(show(d.actions), ['mail myrig/witness GUPP_VIOLATION']);
  // 29m quiet: no violation yet.
  assert.equal(show(run(obs([stuck(T0, T0 - 29 * MIN)])).actions), []);
});

test('polecat with hook whose session is dead or zombie is restarted, unless done/nuked or spawning < 5m', () => {
  const p = (state: 'working' | 'done' | 'nuked' | 'spawning' | 'dead', liveness: 'dead' | 'zombie', updated = T0 - MIN) =>
    polecat({ liveness, bead: { agent_state: state, hook_bead: 'mr-1', updated_at: updated } });
  assert.equal(show(run(obs([p('working', 'dead')])).actions), ['start myrig/polecats/toast']);
  assert.equal(show(run(obs([p('working', 'zombie')])).actions), ['restart myrig/polecats/toast']);
  assert.equal(show(run(obs([p('dead', 'dead')])).actions), ['start myrig/polecats/toast']);
  assert.equal(show(run(obs([p('done', 'dead')])).actions), []);
  assert.equal(show(run(obs([p('nuked', 'zombie')])).actions), []);
  assert.equal(show(run(obs([p('spawning', 'dead', T0 - 2 * MIN)])).actions), []);
  assert.equal(show(run(obs([p('spawning', 'dead', T0 - 6 * MIN)])).actions), ['start myrig/polecats/toast']);
  // No hooked work: the polecat is not managed at all.
  assert.equal(show(run(obs([polecat({ liveness: 'dead', hookOpen: false })])).actions), []);
});

test('polecat restart impossible (worktree gone): CRASHED_POLECAT and ORPHANED_WORK to the witness, no start', () => {
  const d = run(obs([polecat({ liveness: 'dead', workdirExists: false, bead: { agent_state: 'working', hook_bead: 'mr-9', updated_at: T0 - HOUR } })]));
  assert.equal(show(d.actions), ['mail myrig/witness CRASHED_POLECAT', 'mail myrig/witness ORPHANED_WORK']);
  const [crashed, orphaned] = mails(d.actions);
  assert.is(crashed!.subject, 'CRASHED_POLECAT: myrig/toast restart failed');
  for (const line of ['agent: myrig/polecats/toast', 'hook: mr-9', 'session: mr-toast', 'error: working directory myrig/polecats/toast is missing', `time: ${new Date(T0).toISOString()}`]) {
    assert.match(crashed!.body, line);
  }
  assert.match(orphaned!.subject, /^ORPHANED_WORK: myrig\/polecats\/toast /);
  assert.is(d.restart.agents['myrig/polecats/toast'], undefined, 'no start recorded');
});

test('a start that act reported as failed becomes CRASHED_POLECAT on the next tick (and is retried under backoff)', () => {
  let restart = attempted('myrig/polecats/toast', T0 - MIN);
  restart = reportStartFailure(restart, 'myrig/polecats/toast', T0 - MIN + 2 * S, 'tmux new-session failed: exit 1');
  const d = run(obs([polecat({ liveness: 'dead' })]), restart);
  assert.equal(show(d.actions), ['mail myrig/witness CRASHED_POLECAT', 'start myrig/polecats/toast']);
  assert.match(mails(d.actions)[0]!.body, 'error: tmux new-session failed: exit 1');
  // Once the polecat runs again, the episode ends.
  const ok = run(obs([polecat()], { now: T0 + MIN }), d.restart, d.notify);
  assert.equal(show(ok.actions), []);
  assert.equal(Object.keys(ok.notify.slots), []);
});

/** What the engine records when act reports a start that failed: a run of nothing, and the error. */
function failedStart(state: RestartState, identity: string, at: number, message: string): RestartState {
  return reportStartFailure(updateAgent(state, identity, (s) => recordDeath(s, { at, ranMs: 0 }, cfg.restart)), identity, at, message);
}

test('a failed start of a role agent is logged once and retried: at once the first time, then under backoff', () => {
  const restart = failedStart(attempted('myrig/witness', T0 - MIN), 'myrig/witness', T0 - MIN + S, 'workdir not a git checkout');
  const d = run(obs([agent(WITNESS, { liveness: 'dead' })]), restart);
  assert.equal(show(d.actions), ['log error', 'start myrig/witness']);
  assert.match((d.actions[0] as Extract<Action, { type: 'log' }>).message, 'workdir not a git checkout');
  const again = run(obs([agent(WITNESS, { liveness: 'dead' })], { now: T0 + 10 * S }), failedStart(d.restart, 'myrig/witness', T0 + S, 'workdir not a git checkout'), d.notify);
  assert.equal(show(again.actions), ['log debug'], 'same failure: only the backoff line');
  assert.equal(again.next, { at: T0 + 31 * S, reason: 'myrig/witness backoff ends' });
});

test('crash loop: no restart, one CRASH_LOOP mail (witness for rig agents, mayor for town agents) and one log line', () => {
  const looping = withAgentRestart(
    withAgentRestart(emptyRestartState(), 'myrig/refinery', { ...emptyAgentRestart(), lastStart: T0 - MIN, crashLoop: { since: T0 - MIN, alerted: false } }),
    'deacon',
    { ...emptyAgentRestart(), lastStart: T0 - MIN, crashLoop: { since: T0 - MIN, alerted: false } },
  );
  const d = run(obs([agent(DEACON, { liveness: 'dead' }), agent(REFINERY, { liveness: 'zombie' })]), looping);
  assert.equal(show(d.actions), ['mail mayor/ CRASH_LOOP', 'log error', 'mail myrig/witness CRASH_LOOP', 'log error']);
  assert.match(mails(d.actions)[0]!.subject, /^CRASH_LOOP: deacon /);
  assert.is(d.restart.agents.deacon!.crashLoop!.alerted, true);
  assert.is(looping.agents.deacon!.crashLoop!.alerted, false, 'input untouched');
  const again = run(obs([agent(DEACON, { liveness: 'dead' }), agent(REFINERY, { liveness: 'zombie' })], { now: T0 + MIN }), d.restart, d.notify);
  assert.equal(show(again.actions), []);
});

test('a crash-looping polecat with hooked work is also ORPHANED_WORK, once', () => {
  const looping = withAgentRestart(emptyRestartState(), TOAST.identity, { ...emptyAgentRestart(), lastStart: T0 - MIN, crashLoop: { since: T0 - MIN, alerted: false } });
  const d = run(obs([polecat({ liveness: 'dead' })]), looping);
  assert.equal(show(d.actions), ['mail myrig/witness CRASH_LOOP', 'log error', 'mail myrig/witness ORPHANED_WORK']);
});

test('deacon heartbeat: fresh nothing; stale with work -> HEALTH_CHECK nudge; very stale -> restart; idle -> nothing', () => {
  const work = polecat();
  const at = (age: number, agents: ObservedAgent[]) => run(obs([agent(DEACON), ...agents], { deaconHeartbeat: { timestamp: T0 - age } }));
  assert.equal(show(at(4 * MIN, [work]).actions), []);
  const stale = at(6 * MIN, [work]);
  assert.equal(show(stale.actions), ['nudge deacon']);
  assert.match((stale.actions[0] as Extract<Action, { type: 'nudge' }>).text, /^HEALTH_CHECK:/);
  assert.equal(show(at(20 * MIN, [work]).actions), ['restart deacon']);
  // No work in flight: quiet is idle, not hung.
  assert.equal(show(at(6 * MIN, []).actions), []);
  assert.equal(show(at(5 * HOUR, []).actions), []);
  // A pending lifecycle request is work in flight too (from an agent that is not observed here).
  const withRequest = run(obs([agent(DEACON)], { deaconHeartbeat: { timestamp: T0 - 6 * MIN }, lifecycle: [{ id: 'm1', from: 'myrig/witness', sender: 'myrig/witness', action: 'cycle', createdAt: T0 }] }));
  assert.ok(show(withRequest.actions).includes('nudge deacon'));
  // Missing (or corrupt) heartbeat file with work in flight and no start on record: very stale.
  assert.equal(show(run(obs([agent(DEACON), work], { deaconHeartbeat: null })).actions), ['restart deacon']);
});

test('deacon grace: no staleness action within 5m of its start, even with an hours-old heartbeat', () => {
  const o = (now: number, over: Partial<ObservedAgent> = {}) => obs([agent(DEACON, over, now), polecat({}, now)], { now, deaconHeartbeat: { timestamp: T0 - 5 * HOUR } });
  const restart = started('deacon', T0);
  const inGrace = run(o(T0 + 4 * MIN), restart);
  assert.equal(show(inGrace.actions), []);
  assert.equal(inGrace.next, { at: T0 + 5 * MIN, reason: 'deacon grace ends' });
  // The grace counts from the run's real start (whoever started it, a daemon restart in between):
  // the observation alone protects it, with no start on record.
  assert.equal(show(run(o(T0 + 4 * MIN, { run: { since: T0, pid: 9 } })).actions), []);
  // A run first seen now but started 6m ago (by someone else): its grace is over (stale since its
  // start: nudged), not starting now.
  assert.equal(show(run(o(T0 + 4 * MIN, { run: { since: T0 - 2 * MIN, pid: 9 } })).actions), ['nudge deacon']);
  // Neither a start on record nor a known run: an hours-old heartbeat is very stale.
  assert.equal(show(run(o(T0 + 4 * MIN)).actions), ['restart deacon']);
  // Grace over, no beat since the start: stale measured from the start.
  assert.equal(show(run(o(T0 + 6 * MIN), restart).actions), ['nudge deacon']);
});

test('deacon grace longer than stale_after: no nudge inside it, until the first beat after the start ends it', () => {
  const long = settingsSchema.parse({ deacon: { grace: '10m' } });
  const restart = started('deacon', T0);
  const at = (now: number, beat: number) =>
    show(decide(obs([agent(DEACON, {}, now), polecat({}, now)], { now, deaconHeartbeat: { timestamp: beat } }), long, restart, emptyNotifyState()).actions);
  assert.equal(at(T0 + 7 * MIN, T0 - 5 * HOUR), [], 'stale by 7m but inside the 10m grace');
  assert.equal(at(T0 + 11 * MIN, T0 - 5 * HOUR), ['nudge deacon'], 'grace over');
  // It beat once at +1m: the grace is over, and 6m of silence since is stale.
  assert.equal(at(T0 + 7 * MIN, T0 + MIN), ['nudge deacon']);
});

test('lifecycle: a 7h-old request is deleted without acting', () => {
  const req: LifecycleRequest = { id: 'm-old', from: 'myrig/witness', sender: 'myrig/witness', action: 'restart', createdAt: T0 - 7 * HOUR };
  assert.equal(show(run(obs([agent(WITNESS)], { lifecycle: [req] })).actions), ['deleteLifecycle m-old']);
});

test('lifecycle: claim first, then restart/kill the sender; every identity form is accepted', () => {
  const reqs: LifecycleRequest[] = [
    { id: 'm1', from: 'myrig/toast', sender: 'myrig/toast', action: 'cycle', createdAt: T0 - MIN },
    { id: 'm2', from: 'mayor/', sender: 'mayor/', action: 'shutdown', createdAt: T0 - 2 * MIN },
    { id: 'm3', from: 'myrig/refinery', sender: 'myrig/refinery', action: 'restart', createdAt: T0 - 3 * MIN },
    { id: 'm4', from: 'myrig/polecats/toast', sender: 'myrig/polecats/toast', action: 'cycle', createdAt: T0 - 30 * S },
  ];
  const d = run(obs([agent(MAYOR), agent(REFINERY, { liveness: 'dead' }), polecat()], { lifecycle: reqs }));
  assert.equal(show(d.actions), [
    'claimLifecycle m3',
    'start myrig/refinery',
    'claimLifecycle m2',
    'kill mayor',
    'claimLifecycle m1',
    'restart myrig/polecats/toast',
    'claimLifecycle m4',
  ]);
  // A voluntary restart moves lastStart but is not a crash.
  assert.equal(d.restart.agents[TOAST.identity]!.crashes, []);
  assert.is(d.restart.agents[TOAST.identity]!.lastStart, T0);
});

test('lifecycle: a shutdown is a deliberate stop, not a crash, and keeps the agent down until released (gt up)', () => {
  const req: LifecycleRequest = { id: 'm1', from: 'mayor/', sender: 'mayor/', action: 'shutdown', createdAt: T0 - S };
  const d = run(obs([agent(MAYOR, { run: { since: T0 - 10 * S, pid: 5 } })], { lifecycle: [req] }), started('mayor', T0 - 10 * S));
  assert.equal(show(d.actions), ['claimLifecycle m1', 'kill mayor']);
  const t = d.restart.agents.mayor!;
  assert.equal([t.running, t.crashes, t.lastExit?.stoppedBy, t.lastExit?.crash, t.held?.reason], [null, [], 'lifecycle shutdown', false, 'lifecycle shutdown']);
  // Dead and held: not started, one info line; no deadline (only a person ends it).
  const after = run(obs([agent(MAYOR, { liveness: 'dead' })], { now: T0 + MIN }), d.restart, d.notify);
  assert.equal(show(after.actions), ['log info']);
  assert.match((after.actions[0] as Extract<Action, { type: 'log' }>).message, 'not started again until gt up');
  assert.is(after.next, null);
  // gt up releases it: started as a first start.
  const up = run(obs([agent(MAYOR, { liveness: 'dead' })], { now: T0 + 2 * MIN }), updateAgent(after.restart, 'mayor', release), after.notify);
  assert.equal(show(up.actions), ['start mayor']);
});

test('lifecycle: only the agent, the deacon, the mayor or its rig witness may ask; anything else is refused by its recorded sender', () => {
  const asked = (sender: string, from = 'myrig/refinery', action: LifecycleRequest['action'] = 'shutdown') =>
    run(obs([agent(DEACON), agent(MAYOR), agent(WITNESS), agent(REFINERY), polecat()], { lifecycle: [{ id: 'm1', from, sender, action, createdAt: T0 - S }] }));
  // Allowed: the agent itself (any identity form), the deacon, the mayor, its own rig's witness.
  for (const sender of ['myrig/refinery', 'deacon/', 'deacon', 'mayor/', 'myrig/witness']) {
    assert.equal(show(asked(sender).actions), ['claimLifecycle m1', 'kill myrig/refinery'], `sent by ${sender}`);
  }
  // Refused: a person, another rig's polecat, another rig's witness, a polecat of the same rig,
  // the refinery naming the deacon, boot, a crew member. Claimed (kept closed as the record),
  // nothing else done, and the claim carries the one line naming the real sender.
  const refused: Array<[string, string]> = [
    ['overseer', 'myrig/refinery'],
    ['otherrig/polecats/nux', 'myrig/refinery'],
    ['otherrig/witness', 'myrig/refinery'],
    ['myrig/polecats/toast', 'myrig/refinery'],
    ['myrig/refinery', 'deacon/'],
    ['boot', 'mayor/'],
    ['myrig/crew/ann', 'myrig/polecats/toast'],
  ];
  for (const [sender, from] of refused) {
    const d = asked(sender, from);
    assert.equal(show(d.actions), ['claimLifecycle m1'], `${sender} asking for ${from}`);
    const claim = d.actions[0] as Extract<Action, { type: 'claimLifecycle' }>;
    assert.ok(claim.refused, `${sender} asking for ${from}: refused`);
    assert.ok(claim.refused!.includes(`sent by ${JSON.stringify(sender)}`), claim.refused);
    assert.ok(claim.refused!.startsWith('lifecycle request m1 (shutdown '), claim.refused);
  }
  // A refused cycle is not a voluntary restart either: the tracker is untouched.
  const d = asked('overseer', 'myrig/refinery', 'cycle');
  assert.equal(show(d.actions), ['claimLifecycle m1']);
  assert.is(d.restart.agents['myrig/refinery'], undefined);
});

test('lifecycle: an unknown sender is logged once and claimed; an unobservable sender waits', () => {
  const req: LifecycleRequest = { id: 'm9', from: 'otherrig/ghost', sender: 'otherrig/ghost', action: 'cycle', createdAt: T0 - MIN };
  const bad: LifecycleRequest = { id: 'm10', from: 'not an identity!', sender: 'not an identity!', action: 'shutdown', createdAt: T0 - 30 * S };
  const d = run(obs([agent(WITNESS)], { lifecycle: [req, bad] }));
  assert.equal(show(d.actions), ['log error', 'claimLifecycle m9', 'log error', 'claimLifecycle m10']);
  // The claim did not stick (still in the inbox next tick): claimed again, not logged again.
  const again = run(obs([agent(WITNESS)], { now: T0 + MIN, lifecycle: [req, bad] }), d.restart, d.notify);
  assert.equal(show(again.actions), ['claimLifecycle m9', 'claimLifecycle m10']);
  const waiting = run(obs([agent(WITNESS, { liveness: 'unknown' })], { lifecycle: [{ ...req, from: 'myrig/witness', sender: 'myrig/witness' }] }));
  assert.equal(show(waiting.actions), []);
});

test('decide never mutates its inputs', () => {
  const deepFreeze = <T>(v: T): T => {
    if (v && typeof v === 'object') {
      for (const x of Object.values(v)) deepFreeze(x);
      Object.freeze(v);
    }
    return v;
  };
  const old = T0 - 5 * HOUR;
  const o = obs(
    [
      agent(DEACON),
      agent(WITNESS, { liveness: 'dead' }),
      agent(REFINERY, { liveness: 'zombie' }),
      polecat({ liveness: 'dead', workdirExists: false }),
      agent(MAYOR, { heartbeat: { timestamp: old }, bead: { agent_state: 'working', hook_bead: 'x', updated_at: old }, hookOpen: true }),
    ],
    { deaconHeartbeat: { timestamp: T0 - 6 * MIN }, lifecycle: [{ id: 'm1', from: 'ghost/x', sender: 'ghost/x', action: 'cycle', createdAt: T0 }] },
  );
  const restart = withAgentRestart(started('myrig/refinery', T0 - 10 * S), 'deacon', { ...emptyAgentRestart(), lastStart: T0 - HOUR });
  const notify = emptyNotifyState();
  const snapshot = JSON.stringify([o, restart, notify]);
  const d = decide(deepFreeze(o), cfg, deepFreeze(restart), deepFreeze(notify));
  assert.ok(d.actions.length > 3);
  assert.is(JSON.stringify([o, restart, notify]), snapshot);
  assert.is.not(d.restart, restart);
  assert.is.not(d.notify, notify);
});

test('a parked or docked rig: its running agents are killed, its missing ones not started', () => {
  const d = run(obs([agent(WITNESS, { supervised: false, rigInactive: true }), agent(REFINERY, { supervised: false, rigInactive: true, liveness: 'dead' }), polecat({ rigInactive: true, liveness: 'zombie' })]));
  assert.equal(d.actions.map((a) => `${a.type} ${'agent' in a ? a.agent.identity : ''}`), ['kill myrig/witness', 'kill myrig/polecats/toast']);
  const unknown = run(obs([agent(WITNESS, { supervised: false, rigInactive: true, liveness: 'unknown' })]));
  assert.equal(unknown.actions, []);
});

const BOOT: AgentSpec = { role: 'boot', identity: 'boot', session: 'hq-boot', workdir: 'deacon/dogs/boot' };

test('boot triage: started once per cooldown when the deacon is stale with work in flight; never for an idle town', () => {
  const boot = (over: Partial<ObservedAgent> = {}) => agent(BOOT, { supervised: false, liveness: 'dead', bead: null, ...over });
  const at = (now: number, agents: ObservedAgent[], restart?: RestartState) =>
    run(obs([agent(DEACON, {}, now), ...agents], { now, deaconHeartbeat: { timestamp: T0 - 6 * MIN } }), restart);
  const first = at(T0, [polecat(), boot()]);
  assert.equal(show(first.actions).filter((a) => !a.startsWith('log')), ['start boot', 'nudge deacon']);
  // Within the cooldown (2m) boot is not started again, even though it already exited.
  assert.equal(show(at(T0 + 60 * S, [polecat({}, T0 + 60 * S), boot()], first.restart).actions).filter((a) => a === 'start boot'), []);
  // After it: again.
  assert.ok(show(at(T0 + 3 * MIN, [polecat({}, T0 + 3 * MIN), boot()], first.restart).actions).includes('start boot'));
  // Boot still running: not started twice.
  assert.not.ok(show(at(T0, [polecat(), boot({ liveness: 'alive' })]).actions).includes('start boot'));
  // No work in flight: the deacon is idle, not unhealthy; no boot.
  assert.equal(show(at(T0, [boot()]).actions), []);
  // Boot's starts never build a crash loop.
  let restart: RestartState | undefined;
  for (let i = 0; i < 10; i++) restart = at(T0 + i * 3 * MIN, [polecat({}, T0 + i * 3 * MIN), boot()], restart).restart;
  assert.is(restart!.agents.boot!.crashLoop, null);
});

test.run();

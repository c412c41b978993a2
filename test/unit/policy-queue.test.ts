import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  decide,
  describeAction,
  emptyNotifyState,
  emptyRestartState,
  type Decision,
  type NotifyState,
  type ObservedPolecat,
  type ObservedQueued,
  type QueueObservation,
} from '../../internal/daemon/policy/index.js';
import { MIN, S, T0, TOAST, cfg, observation, observedAgent } from '../helpers/policy-fixtures.js';

/** The reap and dispatch rules (policy/reap.ts, policy/dispatch.ts) through decide(). */

const show = (d: Decision) => d.actions.map(describeAction);

function polecat(name: string, over: Partial<ObservedPolecat> = {}): ObservedPolecat {
  return {
    identity: `myrig/polecats/${name}`,
    rig: 'myrig',
    name,
    session: `mr-${name}`,
    state: 'working',
    hookOpen: true,
    idleSince: null,
    merge: null,
    work: null,
    ...over,
  };
}
const done = (name: string, over: Partial<ObservedPolecat> = {}) =>
  polecat(name, { state: 'done', hookOpen: false, idleSince: T0 - S, merge: 'merged', work: { uncommitted: 0, unmerged: 0 }, ...over });
const queued = (id: string, priority: number, queuedAt: number, rig = 'myrig'): ObservedQueued => ({ id, rig, priority, queuedAt });

function queue(polecats: ObservedPolecat[], q: ObservedQueued[], over: Partial<QueueObservation> = {}): QueueObservation {
  return { polecats, queued: q, rigs: { myrig: { max: 3, active: true } }, townMax: 12, idleReapMs: 15 * MIN, keepDone: false, ...over };
}

const run = (now: number, q: QueueObservation, notify: NotifyState = emptyNotifyState()) => decide(observation(now, [], { queue: q }), cfg, emptyRestartState(), notify);

test('a done and merged polecat is reaped at once, and its slot goes to the next queued bead in the same tick', () => {
  const d = run(T0, queue([polecat('a'), polecat('b'), done('c')], [queued('mr-2', 2, T0 - 2 * S), queued('mr-1', 2, T0 - 3 * S)]));
  assert.equal(show(d), ['reap myrig/polecats/c', 'dispatch mr-1 to myrig']);
});

test('a done and merged polecat still inside its turn (its closing words after gt done) is reaped once it is at its prompt', () => {
  const toast = done('toast');
  const agent = (state: 'working' | 'idle') => observedAgent(TOAST, { bead: { agent_state: 'done', hook_bead: null, updated_at: T0 }, heartbeat: { timestamp: T0, state } });
  const tick = (state: 'working' | 'idle') => show(decide(observation(T0, [agent(state)], { queue: queue([toast], []) }), cfg, emptyRestartState(), emptyNotifyState()));
  assert.equal(tick('working'), []);
  assert.equal(tick('idle'), ['reap myrig/polecats/toast']);
});

test('a reaped polecat is stopped in its tracker: a sling that reuses its name before the daemon sees the session gone is not a crash', () => {
  // Tick 0: toast works on its bead, started 10 s ago (the tracker records its run).
  const run0 = { since: T0 - 10 * S, pid: 4242 };
  const working = observedAgent(TOAST, { hookOpen: true, bead: { agent_state: 'working', hook_bead: 'mr-1', updated_at: T0 - S }, heartbeat: { timestamp: T0 - S, state: 'working' }, run: run0 }, T0 - S);
  const d0 = decide(observation(T0 - S, [working], { queue: queue([polecat('toast')], []) }), cfg, emptyRestartState(), emptyNotifyState());
  assert.equal(d0.restart.agents[TOAST.identity]?.running?.since, run0.since);
  // Tick 1: done and merged, at its prompt: reaped.
  const alive = observedAgent(TOAST, { bead: { agent_state: 'done', hook_bead: null, updated_at: T0 }, heartbeat: { timestamp: T0, state: 'idle' }, run: run0 });
  const d1 = decide(observation(T0, [alive], { queue: queue([done('toast')], []) }), cfg, d0.restart, d0.notify);
  assert.equal(show(d1), ['reap myrig/polecats/toast']);
  // Tick 2, 2 s later: gt sling picked the free name toast for the next bead (hooked, spawning)
  // and has not created its session yet; the reaped session is gone. That is no death of anyone.
  const reused = observedAgent(TOAST, { liveness: 'dead', hookOpen: true, bead: { agent_state: 'spawning', hook_bead: 'mr-next', updated_at: T0 + 2 * S }, heartbeat: null });
  const q2 = queue([polecat('toast', { hookOpen: true, state: 'spawning' })], []);
  const d2 = decide(observation(T0 + 2 * S, [reused], { queue: q2 }), cfg, d1.restart, d1.notify);
  const logs = d2.actions.filter((a) => a.type === 'log').map((a) => (a as { message: string }).message);
  assert.equal(logs.filter((m) => m.includes('died after')), [], 'no death logged for a reaped polecat');
  const t = d2.restart.agents[TOAST.identity];
  assert.equal(t?.crashes ?? [], [], 'no crash counted');
  assert.equal(t?.shortRuns ?? 0, 0);
  assert.equal(t?.lastExit?.stoppedBy, 'reaped (done and merged)');
});

test('dispatch order: priority first, then age; never beyond the rig cap or the town cap', () => {
  const q = [queued('old-low', 3, T0 - 9 * S), queued('new-high', 0, T0 - S), queued('mid', 2, T0 - 5 * S), queued('mid-newer', 2, T0 - 4 * S)];
  assert.equal(show(run(T0, queue([], q))), ['dispatch new-high to myrig', 'dispatch mid to myrig', 'dispatch mid-newer to myrig']);
  assert.equal(show(run(T0, queue([polecat('a')], q, { townMax: 2 }))), ['dispatch new-high to myrig']);
  assert.equal(show(run(T0, queue([polecat('a'), polecat('b'), polecat('c')], q))), []);
  assert.equal(show(run(T0, queue([], q, { rigs: { myrig: { max: 3, active: false } } }))), [], 'a parked rig takes no work');
});

test('never reaped: unmerged commits, uncommitted changes, a failed merge; one mail to the witness per episode', () => {
  const held = done('a', { merge: 'merged', work: { uncommitted: 0, unmerged: 1 } });
  const d1 = run(T0, queue([held], []));
  assert.equal(show(d1), ['mail myrig/witness POLECAT_NOT_REAPED']);
  const mail = d1.actions[0] as { subject: string; body: string };
  assert.match(mail.subject, /myrig\/polecats\/a has unmerged work \(1 commit not on main\)/);
  assert.match(mail.body, /gt polecat nuke myrig\/a --force/);
  // The same episode: no second mail.
  const d2 = decide(observation(T0 + MIN, [], { queue: queue([held], []) }), cfg, emptyRestartState(), d1.notify);
  assert.equal(show(d2), []);
  assert.equal(show(run(T0, queue([done('b', { work: { uncommitted: 2, unmerged: 0 } })], []))), ['mail myrig/witness POLECAT_NOT_REAPED']);
  assert.equal(show(run(T0, queue([done('c', { merge: 'conflict', work: { uncommitted: 0, unmerged: 1 } })], []))), ['mail myrig/witness POLECAT_NOT_REAPED']);
  // Its slot stays held: nothing is dispatched past it.
  assert.equal(show(run(T0, queue([held, polecat('x'), polecat('y')], [queued('q', 2, T0)]))), ['mail myrig/witness POLECAT_NOT_REAPED']);
});

test('a merge still queued waits (no mail, no reap); work on the hook is never touched', () => {
  assert.equal(show(run(T0, queue([done('a', { merge: 'queued', work: null })], []))), []);
  assert.equal(show(run(T0, queue([polecat('b', { work: { uncommitted: 5, unmerged: 3 } })], []))), []);
});

test('idle with no hook: reaped at idle_reap, which is the deadline decide reports', () => {
  const idle = polecat('a', { state: 'idle', hookOpen: false, idleSince: T0, work: { uncommitted: 0, unmerged: 0 } });
  const d = run(T0 + 5 * MIN, queue([idle], []));
  assert.equal(show(d), []);
  assert.is(d.next?.at, T0 + 15 * MIN);
  assert.match(d.next!.reason, /idle reap/);
  assert.equal(show(run(T0 + 15 * MIN - 1, queue([idle], []))), []);
  assert.equal(show(run(T0 + 15 * MIN, queue([idle], []))), ['reap myrig/polecats/a']);
  // Idle but with unmerged work: a mail, never a reap.
  assert.equal(show(run(T0 + 15 * MIN, queue([{ ...idle, work: { uncommitted: 0, unmerged: 2 } }], []))), ['mail myrig/witness POLECAT_NOT_REAPED']);
});

test('keep_done: the reap keeps worktree and branch', () => {
  const d = run(T0, queue([done('a')], [], { keepDone: true }));
  assert.equal(d.actions, [{ type: 'reap', polecat: { identity: 'myrig/polecats/a', rig: 'myrig', name: 'a' }, reason: 'done and merged', keep: true }]);
});

test('QUEUE_DRAINED once per episode: after the queue was seen, when it is empty and no polecat has work', () => {
  const d1 = run(T0, queue([polecat('a')], [queued('q', 2, T0)], { rigs: { myrig: { max: 1, active: true } } }));
  assert.equal(show(d1), []);
  // Queue empty but a polecat still works: not yet.
  const d2 = decide(observation(T0 + S, [], { queue: queue([polecat('b')], []) }), cfg, emptyRestartState(), d1.notify);
  assert.equal(show(d2), []);
  const d3 = decide(observation(T0 + 2 * S, [], { queue: queue([done('b')], []) }), cfg, emptyRestartState(), d2.notify);
  assert.equal(show(d3), ['reap myrig/polecats/b', `person QUEUE_DRAINED queue@${new Date(T0).toISOString()}`]);
  const d4 = decide(observation(T0 + 3 * S, [], { queue: queue([], []) }), cfg, emptyRestartState(), d3.notify);
  assert.equal(show(d4), [], 'once');
  // Never queued: never told.
  assert.equal(show(run(T0, queue([done('c')], []))), ['reap myrig/polecats/c']);
});

test('gates: under ESTOP nothing is reaped or dispatched', () => {
  const d = decide(observation(T0, [], { gates: { estop: true, shutdownLock: false }, queue: queue([done('a')], [queued('q', 2, T0)]) }), cfg, emptyRestartState(), emptyNotifyState());
  assert.equal(show(d).filter((x) => !x.startsWith('log')), []);
});

test.run();

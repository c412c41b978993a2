import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentSpec } from '../../internal/session/resolve.js';
import {
  decide,
  describeAction,
  emptyNotifyState,
  emptyRestartState,
  loadNotifyState,
  loadRestartState,
  recordDeath,
  recordRun,
  reportStartFailure,
  saveNotifyState,
  updateAgent,
  saveRestartState,
  type Action,
  type NotifyState,
  type Observation,
  type ObservedAgent,
  type RestartState,
} from '../../internal/daemon/policy/index.js';
import { DEACON, HOUR, MAYOR, MIN, S, T0, WITNESS, cfg, observation, observedAgent, observedPolecat } from '../helpers/policy-fixtures.js';

/**
 * Many-tick simulations with a fake clock: the guarantees that only show over time (once per
 * episode, backoff spacing, grace across a daemon restart).
 */

const dir = mkdtempSync(join(tmpdir(), 'gt-policy-sim-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const agent = observedAgent;
const polecat = observedPolecat;
const obs = observation;

interface Event {
  /** Seconds since T0. */
  t: number;
  action: Action;
}

interface SimOptions {
  ticks: number;
  step: number;
  observe: (now: number) => Observation;
  /** The fake act: may report a start failure back into the restart state. */
  act?: (a: Action, now: number, restart: RestartState) => RestartState;
  /** Save and reload both state files between ticks, as if the daemon restarted every tick. */
  persist?: boolean;
  restart?: RestartState;
  notify?: NotifyState;
  start?: number;
}

function sim(o: SimOptions): { events: Event[]; restart: RestartState; notify: NotifyState } {
  let restart = o.restart ?? emptyRestartState();
  let notify = o.notify ?? emptyNotifyState();
  const events: Event[] = [];
  const rFile = join(dir, 'restart_state.json');
  const nFile = join(dir, 'notify_state.json');
  for (let i = 0; i < o.ticks; i++) {
    const now = (o.start ?? T0) + i * o.step;
    const d = decide(o.observe(now), cfg, restart, notify);
    restart = d.restart;
    notify = d.notify;
    for (const a of d.actions) {
      events.push({ t: (now - T0) / S, action: a });
      if (o.act) restart = o.act(a, now, restart);
    }
    if (o.persist) {
      saveRestartState(rFile, restart);
      saveNotifyState(nFile, notify);
      const r = loadRestartState(rFile);
      const n = loadNotifyState(nFile);
      assert.is(r.warning, undefined);
      assert.is(n.warning, undefined);
      restart = r.state;
      notify = n.state;
    }
  }
  return { events, restart, notify };
}

const DESTRUCTIVE = new Set(['start', 'restart', 'kill', 'nudge', 'markDead']);

function lines(events: Event[], filter: (a: Action) => boolean = () => true): string[] {
  return events.filter((e) => filter(e.action)).map((e) => `${e.t}s ${describeAction(e.action)}`);
}

function subjects(events: Event[], prefix: string): number {
  return events.filter((e) => e.action.type === 'mail' && e.action.subject.startsWith(prefix)).length;
}

test('idle agents with hours-old heartbeats: zero nudges, kills or marks over 100 ticks', () => {
  const old = T0 - 5 * HOUR;
  const { events } = sim({
    ticks: 100,
    step: 3 * MIN,
    observe: (now) =>
      obs(
        now,
        [
          agent(DEACON, { heartbeat: { timestamp: old } }, now),
          agent(MAYOR, { heartbeat: { timestamp: old }, bead: { agent_state: 'idle', hook_bead: null, updated_at: old } }, now),
          // "working" but nothing hooked: still idle, not hung.
          agent(WITNESS, { heartbeat: { timestamp: old }, bead: { agent_state: 'working', hook_bead: null, updated_at: old } }, now),
        ],
        { deaconHeartbeat: { timestamp: old } },
      ),
  });
  assert.equal(lines(events), []);
});

test('the same deacon with work in flight: one HEALTH_CHECK nudge in the stale episode, a restart when very stale', () => {
  const { events } = sim({
    ticks: 25,
    step: MIN,
    observe: (now) => obs(now, [agent(DEACON, {}, now), polecat(now)], { deaconHeartbeat: { timestamp: T0 } }),
  });
  assert.equal(lines(events), ['300s nudge deacon', '1200s restart deacon']);
  const nudge = events[0]!.action;
  assert.ok(nudge.type === 'nudge' && nudge.text.startsWith('HEALTH_CHECK:'));
});

test('the deacon starts beating again, then goes stale: a second episode gets a second nudge', () => {
  const { events } = sim({
    ticks: 30,
    step: MIN,
    // Beats until 2m, is silent until 10m (one beat at 10m), then silent again.
    observe: (now) => obs(now, [agent(DEACON, {}, now), polecat(now)], { deaconHeartbeat: { timestamp: now - T0 < 10 * MIN ? Math.min(now, T0 + 2 * MIN) : T0 + 10 * MIN } }),
  });
  assert.equal(lines(events), ['420s nudge deacon', '900s nudge deacon']);
});

test('a fresh restart is not killed in its grace period, across a daemon restart, despite an hours-old heartbeat', () => {
  const old = T0 - 5 * HOUR;
  const observe = (now: number) => obs(now, [agent(DEACON, {}, now), polecat(now)], { deaconHeartbeat: { timestamp: old } });
  // Tick 1: very stale with work in flight -> restart (recorded in the restart tracker).
  const first = sim({ ticks: 1, step: MIN, observe });
  assert.equal(lines(first.events), ['0s restart deacon']);
  // The daemon restarts: state goes through the files.
  const rFile = join(dir, 'grace-restart.json');
  const nFile = join(dir, 'grace-notify.json');
  saveRestartState(rFile, first.restart);
  saveNotifyState(nFile, first.notify);
  const after = sim({ ticks: 5, step: 55 * S, start: T0 + 10 * S, observe, restart: loadRestartState(rFile).state, notify: loadNotifyState(nFile).state });
  assert.equal(lines(after.events), [], 'inside the 5m grace');
  // Control: had the start not survived the restart, the new daemon would have restarted it again.
  const amnesiac = sim({ ticks: 1, step: MIN, start: T0 + MIN, observe });
  assert.equal(lines(amnesiac.events), ['60s restart deacon']);
  // A corrupt restart state file is that amnesiac case, with a warning, and the daemon carries on.
  writeFileSync(rFile, '{"version":1,"agents":{"deacon":');
  const corrupt = loadRestartState(rFile);
  assert.match(corrupt.warning ?? '', 'daemon/restart_state.json');
  assert.equal(corrupt.state, emptyRestartState());
});

/** The fake act of an agent that starts and runs until the next look: its run is recorded, as act does. */
const runsUntilNextLook = (a: Action, now: number, restart: RestartState): RestartState =>
  a.type === 'start' || a.type === 'restart' ? updateAgent(restart, a.agent.identity, (s) => recordRun(s, { since: now })) : restart;

test('an agent that dies 10s after every start: at once, then backoff from the death, 5 short runs, exactly one CRASH_LOOP mail and log line, tried again after decay', () => {
  const { events } = sim({
    ticks: 215,
    step: 10 * S,
    persist: true,
    observe: (now) => obs(now, [agent(WITNESS, { liveness: 'dead' }, now)]),
    act: runsUntilNextLook,
  });
  const starts = events.filter((e) => e.action.type === 'start').map((e) => e.t);
  // Started at 0; its first death (10s) is restarted at once; the deaths after it back off from
  // the death: 30s (20 -> 50), 60s (60 -> 120), 120s (130 -> 250); the 5th short run (260) is
  // the crash loop, which decays 30m after it (2060); then the count starts over.
  assert.equal(starts, [0, 10, 50, 120, 250, 2060, 2070, 2110]);
  assert.is(subjects(events, 'CRASH_LOOP: myrig/witness'), 1);
  const crashLoopMail = events.find((e) => e.action.type === 'mail')!.action;
  assert.ok(crashLoopMail.type === 'mail' && crashLoopMail.to === 'mayor/', 'the witness itself: its supervisor is the mayor');
  assert.is(events.filter((e) => e.action.type === 'log' && e.action.level === 'error').length, 1);
  // Backoff is logged once per backoff episode, never once per tick: 3 waits before the crash
  // loop, 2 after the decay.
  const debug = events.filter((e) => e.action.type === 'log' && e.action.level === 'debug').map((e) => e.t);
  assert.equal(debug, [20, 60, 130, 2080, 2120]);
  // Every death is one log line, saying what follows.
  const deaths = events.filter((e) => e.action.type === 'log' && /died after/.test(e.action.message)).map((e) => e.t);
  assert.equal(deaths, [10, 20, 60, 130, 260, 2070, 2080, 2120]);
});

test('a death while the daemon was down is seen by the next daemon from the persisted run, and counted the same way', () => {
  // Daemon 1 sees the mayor run from T0 (whoever started it) and saves that.
  const first = sim({ ticks: 3, step: 5 * S, persist: true, observe: (now) => obs(now, [agent(MAYOR, { run: { since: T0, pid: 11 } }, now)]) });
  assert.equal(first.restart.agents.mayor!.running, { since: T0, pid: 11 });
  // The mayor dies while no daemon runs; daemon 2 loads the file and looks at +20s.
  const rFile = join(dir, 'down-restart.json');
  saveRestartState(rFile, first.restart);
  const second = sim({ ticks: 1, step: S, start: T0 + 20 * S, observe: (now) => obs(now, [agent(MAYOR, { liveness: 'dead' }, now)]), restart: loadRestartState(rFile).state });
  assert.equal(lines(second.events), ['20s log warn', '20s start mayor']);
  assert.match((second.events[0]!.action as Extract<Action, { type: 'log' }>).message, 'mayor died after 20s: first short run since its start; restarting at once');
  assert.equal(second.restart.agents.mayor!.crashes, [T0 + 20 * S]);
});

test('a crash-looping rig agent alerts its witness', () => {
  const refinery: AgentSpec = { role: 'refinery', rig: 'myrig', prefix: 'mr', identity: 'myrig/refinery', session: 'mr-refinery', workdir: 'myrig/refinery/rig' };
  const { events } = sim({ ticks: 100, step: 10 * S, observe: (now) => obs(now, [agent(refinery, { liveness: 'zombie' }, now)]), act: runsUntilNextLook });
  assert.equal(
    events.filter((e) => e.action.type === 'mail').map((e) => (e.action.type === 'mail' ? `${e.action.to} ${e.action.subject.split(':')[0]}` : '')),
    ['myrig/witness CRASH_LOOP'],
  );
  assert.is(events.filter((e) => e.action.type === 'restart').length, 5);
});

test('a polecat whose worktree is gone: exactly one CRASHED_POLECAT (and one ORPHANED_WORK) over many ticks, never a start', () => {
  const { events } = sim({
    ticks: 100,
    step: 30 * S,
    persist: true,
    observe: (now) => obs(now, [agent(WITNESS, {}, now), polecat(now, { liveness: 'dead', workdirExists: false })]),
  });
  assert.equal(lines(events), ['0s mail myrig/witness CRASHED_POLECAT', '0s mail myrig/witness ORPHANED_WORK']);
});

test('a polecat whose every start fails (reported by act): one CRASHED_POLECAT, then one CRASH_LOOP and one ORPHANED_WORK', () => {
  const { events } = sim({
    ticks: 150,
    step: 10 * S,
    observe: (now) => obs(now, [agent(WITNESS, {}, now), polecat(now, { liveness: 'dead' })]),
    // As the engine records it: a start that failed is a run of nothing, and the error.
    act: (a, now, restart) =>
      a.type === 'start'
        ? reportStartFailure(updateAgent(restart, a.agent.identity, (s) => recordDeath(s, { at: now, ranMs: 0 }, cfg.restart)), a.agent.identity, now, 'tmux: new-session failed')
        : restart,
  });
  assert.is(events.filter((e) => e.action.type === 'start').length, 5);
  assert.is(subjects(events, 'CRASHED_POLECAT: myrig/toast restart failed'), 1);
  assert.is(subjects(events, 'CRASH_LOOP: myrig/polecats/toast'), 1);
  assert.is(subjects(events, 'ORPHANED_WORK: myrig/polecats/toast'), 1);
  assert.equal(
    lines(events, (a) => DESTRUCTIVE.has(a.type) || a.type === 'mail'),
    [
      '0s start myrig/polecats/toast',
      // The tick after act reported the failure: retried at once (the first failure), then the
      // retries back off from each failure (30s, 60s, 120s).
      '10s mail myrig/witness CRASHED_POLECAT',
      '10s start myrig/polecats/toast',
      '40s start myrig/polecats/toast',
      '100s start myrig/polecats/toast',
      '220s start myrig/polecats/toast',
      // The 5th start failed too: restarts stop, one alert each.
      '230s mail myrig/witness CRASH_LOOP',
      '230s mail myrig/witness ORPHANED_WORK',
    ],
  );
});

test('notification slots survive a daemon restart: a GUPP violation is mailed once, not once per daemon', () => {
  const quiet = T0 - 31 * MIN;
  const observe = (now: number) => obs(now, [agent(WITNESS, {}, now), polecat(now, { heartbeat: { timestamp: quiet, state: 'idle' }, bead: { agent_state: 'working', hook_bead: 'mr-1', updated_at: quiet } })]);
  const persisted = sim({ ticks: 20, step: MIN, persist: true, observe });
  assert.is(subjects(persisted.events, 'GUPP_VIOLATION'), 1);
  // Control: forgetting the slots between "daemons" would mail again.
  const first = sim({ ticks: 1, step: MIN, observe });
  const forgetful = sim({ ticks: 1, step: MIN, start: T0 + MIN, observe, restart: first.restart });
  assert.is(subjects(first.events, 'GUPP_VIOLATION') + subjects(forgetful.events, 'GUPP_VIOLATION'), 2);
});

test('gates held across many ticks: nothing started, killed or nudged; one log line', () => {
  const old = T0 - 5 * HOUR;
  const { events } = sim({
    ticks: 50,
    step: MIN,
    observe: (now) =>
      obs(now, [agent(DEACON, {}, now), agent(WITNESS, { liveness: 'dead' }, now), polecat(now, { liveness: 'zombie' })], {
        gates: { shutdownLock: false, estop: true },
        deaconHeartbeat: { timestamp: old },
      }),
  });
  assert.equal(lines(events), ['0s log warn']);
});

test.run();

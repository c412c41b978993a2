import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  clearBackoff,
  decide,
  describeAction,
  emptyNotifyState,
  emptyRestartState,
  loadNotifyState,
  loadRestartState,
  recordRun,
  saveNotifyState,
  saveRestartState,
  updateAgent,
  type Action,
  type AgentBeat,
  type NotifyState,
  type Observation,
  type ObservedAgent,
  type RestartState,
  type Wake,
} from '../../internal/daemon/policy/index.js';
import { DEACON, HOUR, MIN, S, T0, WITNESS, cfg, observation, observedAgent, observedPolecat } from '../helpers/policy-fixtures.js';

/**
 * Issue 9's policies that use the agent's state (fake clock, many ticks, both state files saved
 * and reloaded between ticks as a restarting daemon would):
 * - restarts without progress: after restart.max_without_progress restarts whose runs never
 *   reached working or idle, restarts stop with one NO_PROGRESS alert;
 * - usage limit: no restart, no nudge, not a crash; one mail; nudged once at the reset;
 * - a turn's API error: named once in the log and in one API_ERROR mail; no restart.
 */

const dir = mkdtempSync(join(tmpdir(), 'gt-policy-state-rules-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

interface Event {
  /** Minutes since T0. */
  m: number;
  action: Action;
}

/** A fake world the fake act changes: what observe returns next depends on what was done. */
interface World {
  observe(now: number): Observation;
  act(a: Action, now: number): void;
}

function sim(world: World, o: { ticks: number; step: number; start?: number; restart?: RestartState; notify?: NotifyState }) {
  let restart = o.restart ?? emptyRestartState();
  let notify = o.notify ?? emptyNotifyState();
  const events: Event[] = [];
  const wakes: Array<Wake | null> = [];
  for (let i = 0; i < o.ticks; i++) {
    const now = (o.start ?? T0) + i * o.step;
    const d = decide(world.observe(now), cfg, restart, notify);
    wakes.push(d.next);
    restart = d.restart;
    notify = d.notify;
    for (const a of d.actions) {
      events.push({ m: (now - T0) / MIN, action: a });
      world.act(a, now);
      if (a.type === 'start' || a.type === 'restart') restart = updateAgent(restart, a.agent.identity, (s) => recordRun(s, { since: now }));
    }
    saveRestartState(join(dir, 'restart.json'), restart);
    saveNotifyState(join(dir, 'notify.json'), notify);
    restart = loadRestartState(join(dir, 'restart.json')).state;
    notify = loadNotifyState(join(dir, 'notify.json')).state;
  }
  return { events, restart, notify, wakes };
}

const of = (events: Event[], type: Action['type']) => events.filter((e) => e.action.type === type);
const mails = (events: Event[], prefix: string) =>
  events.map((e) => e.action).filter((a): a is Extract<Action, { type: 'mail' }> => a.type === 'mail' && a.subject.startsWith(prefix));

/**
 * A polecat with work on its hook that is stuck from every start (at a screen only a person can
 * answer, say): alive, its bead says working, and its only report is `starting` unless
 * `progressAfter` says it reports `working` that long into each run.
 */
function stuckPolecat(opts: { progressAfter?: number } = {}): World & { runStart: number } {
  const w = {
    runStart: T0,
    pid: 100,
    bead: { agent_state: 'working' as const as 'working' | 'dead', updated_at: T0 },
    observe(now: number): Observation {
      const progressed = opts.progressAfter !== undefined && now - w.runStart >= opts.progressAfter;
      const heartbeat: AgentBeat = progressed ? { timestamp: w.runStart + opts.progressAfter!, state: 'working' } : { timestamp: w.runStart, state: 'starting' };
      return observation(now, [
        observedAgent(WITNESS, {}, now),
        observedPolecat(now, { run: { since: w.runStart, pid: w.pid }, heartbeat, bead: { agent_state: w.bead.agent_state, hook_bead: 'mr-42', updated_at: w.bead.updated_at } }),
      ]);
    },
    act(a: Action, now: number) {
      if (a.type === 'markDead') w.bead = { agent_state: 'dead', updated_at: now };
      if (a.type === 'restart' || a.type === 'start') {
        w.runStart = now;
        w.pid += 1;
        w.bead = { agent_state: 'working', updated_at: now };
      }
    },
  };
  return w;
}

test('restarts without progress: after 3 restarts whose runs never reached working or idle, restarts stop with one NO_PROGRESS alert (screen attached), the session left alone; clear-backoff resumes them', () => {
  const world = stuckPolecat();
  const { events, restart, notify } = sim(world, { ticks: 4 * 60, step: MIN });
  // dead_after (15m) without progress marks it dead, the next tick restarts it: 16m, 32m, 48m.
  // The 4th run ends at 64m without progress: that would be the 4th restart; it is not made.
  assert.equal(of(events, 'restart').map((e) => e.m), [16, 32, 48]);
  assert.equal(of(events, 'kill'), [], 'the stuck session is left for a person to look at');
  const alerts = mails(events, 'NO_PROGRESS: myrig/polecats/toast');
  assert.is(alerts.length, 1, 'one alert for the whole stall, not one per tick or per hour');
  assert.is(alerts[0]!.to, 'myrig/witness');
  assert.is(alerts[0]!.screenOf, 'mr-toast', 'act appends the last lines of its screen');
  assert.match(alerts[0]!.body, /runs: 4/);
  assert.match(alerts[0]!.body, /gt daemon clear-backoff myrig\/polecats\/toast/);
  assert.is(events.filter((e) => e.action.type === 'log' && e.action.level === 'error' && /NO_PROGRESS/.test(e.action.message)).length, 1);
  const t = restart.agents['myrig/polecats/toast']!;
  assert.equal(t.stalled && { runs: t.stalled.runs, alerted: t.stalled.alerted, at: (t.stalled.since - T0) / MIN }, { runs: 4, alerted: true, at: 64 });
  assert.equal(t.crashes, [], 'long runs: the crash loop never counts them');

  // A person clears it: restarted at the next tick, and counted from zero again.
  const cleared = clearBackoff(restart, 'myrig/polecats/toast');
  const after = sim(world, { ticks: 2, step: MIN, start: T0 + 4 * HOUR, restart: cleared, notify });
  assert.equal(of(after.events, 'restart').map((e) => e.m), [240]);
  assert.is(after.restart.agents['myrig/polecats/toast']!.stalled, null);
  assert.is(after.restart.agents['myrig/polecats/toast']!.noProgress, 1, 'counted from zero: the stuck run the restart ended is the first');
});

test('restarts that bring progress (it reports working, then hangs) are never stopped by this rule', () => {
  const world = stuckPolecat({ progressAfter: 2 * MIN });
  const { events, restart } = sim(world, { ticks: 4 * 60, step: MIN });
  // Progress at +2m each run, dead_after 15m later: restarted every 18m, for as long as it takes.
  assert.ok(of(events, 'restart').length >= 12, describeAction(events.at(-1)!.action));
  assert.equal(mails(events, 'NO_PROGRESS'), []);
  assert.is(restart.agents['myrig/polecats/toast']!.stalled, null);
});

test('a deacon stuck from every start (very stale each time): three restarts, then none, one alert to the mayor', () => {
  let runStart = T0;
  const world: World = {
    observe: (now) =>
      observation(now, [observedAgent(DEACON, { run: { since: runStart }, heartbeat: { timestamp: runStart, state: 'starting' } }, now), observedPolecat(now)], {
        deaconHeartbeat: { timestamp: T0 - HOUR },
      }),
    act: (a, now) => {
      if (a.type === 'restart') runStart = now;
    },
  };
  const { events } = sim(world, { ticks: 3 * 60, step: MIN });
  assert.equal(of(events, 'restart').map((e) => e.m), [20, 40, 60]);
  assert.equal(of(events, 'kill'), []);
  assert.equal(mails(events, 'NO_PROGRESS').map((m) => m.to), ['mayor/']);
});

const LIMIT_MSG = 'API Error: 429 {"type":"error","error":{"type":"rate_limit_error","message":"usage limit reached"}}';

/** A polecat whose turn hit its usage limit at T0 (its hook wrote blocked: usage-limit); it stays there until nudged. */
function limitedPolecat(over: Partial<ObservedAgent> = {}): World & { nudgedAt?: number } {
  const w: World & { nudgedAt?: number } = {
    observe: (now) =>
      observation(now, [
        observedAgent(WITNESS, {}, now),
        observedPolecat(now, {
          run: { since: T0 - HOUR },
          // Its bead was last touched long ago and it reports nothing newer: every staleness rule would fire.
          bead: { agent_state: 'working', hook_bead: 'mr-42', updated_at: T0 - HOUR },
          heartbeat: w.nudgedAt === undefined ? { timestamp: T0, state: 'blocked', reason: 'usage-limit', message: LIMIT_MSG } : { timestamp: w.nudgedAt, state: 'working' },
          ...over,
        }),
      ]),
    act: (a, now) => {
      if (a.type === 'nudge') w.nudgedAt = now;
    },
  };
  return w;
}

test('usage limit from the hook report: no restart, no nudge, no mark, not a crash for the pause; one USAGE_LIMIT mail; woken once when the pause ends', () => {
  const world = limitedPolecat();
  // 70 minutes: once woken it reports working; what it does then is other rules' business.
  const { events, restart, wakes } = sim(world, { ticks: 70, step: MIN });
  const acts = events.filter((e) => ['start', 'restart', 'kill', 'nudge', 'markDead'].includes(e.action.type)).map((e) => `${e.m} ${describeAction(e.action)}`);
  // agents_health.usage_limit_pause (1h) after the limit was reported; then progress again.
  assert.equal(acts, ['60 nudge myrig/polecats/toast']);
  const nudge = events.find((e) => e.action.type === 'nudge')!.action as Extract<Action, { type: 'nudge' }>;
  assert.match(nudge.text, /usage limit has reset/);
  const limitMails = mails(events, 'USAGE_LIMIT: myrig/polecats/toast');
  assert.is(limitMails.length, 1);
  assert.is(limitMails[0]!.to, 'mayor/');
  assert.match(limitMails[0]!.body, /rate_limit_error/);
  assert.match(limitMails[0]!.subject, /resuming it at 2025-01-01T13:00:00.000Z/);
  assert.equal(wakes[0], { at: T0 + HOUR, reason: 'myrig/polecats/toast usage limit resets' }, 'decide wakes at the resume time');
  assert.equal(restart.agents['myrig/polecats/toast']!.crashes, []);
});

test('usage limit from the screen: waits for the reset time it shows, not the pause', () => {
  const world = limitedPolecat({ blocked: { reason: 'usage-limit', source: 'screen', screen: "Claude Code's usage limit (You've hit your session limit · resets 12:20pm (UTC))", resetAt: T0 + 20 * MIN } });
  const { events, wakes } = sim(world, { ticks: 40, step: MIN });
  assert.equal(of(events, 'nudge').map((e) => e.m), [20]);
  assert.equal(wakes[0], { at: T0 + 20 * MIN, reason: 'myrig/polecats/toast usage limit resets' });
  assert.match(mails(events, 'USAGE_LIMIT')[0]!.body, /reset: 2025-01-01T12:20:00.000Z/);
});

test('an agent that dies at its usage limit: not a crash, not started again before the limit resets, then started', () => {
  let dead = false;
  let startedAt: number | undefined;
  const world: World = {
    observe: (now) =>
      observation(now, [
        observedAgent(
          WITNESS,
          startedAt !== undefined
            ? { run: { since: startedAt } }
            : dead
              ? { liveness: 'dead', heartbeat: { timestamp: T0, state: 'blocked', reason: 'usage-limit' } }
              : { run: { since: T0 - HOUR }, heartbeat: { timestamp: T0, state: 'blocked', reason: 'usage-limit' } },
          now,
        ),
      ]),
    act: (a, now) => {
      if (a.type === 'start') startedAt = now;
    },
  };
  const first = sim(world, { ticks: 5, step: MIN });
  dead = true; // its CLI exited at the limit
  const { events, restart } = sim(world, { ticks: 70, step: MIN, start: T0 + 5 * MIN, restart: first.restart, notify: first.notify });
  assert.equal(of(events, 'start').map((e) => e.m), [60]);
  const t = restart.agents['myrig/witness']!;
  assert.equal(t.crashes, []);
  assert.is(t.lastExit?.crash, false);
  assert.match(t.lastExit?.stoppedBy ?? '', /usage limit/);
  assert.is(mails(first.events, 'USAGE_LIMIT').length + mails(events, 'USAGE_LIMIT').length, 1);
});

test("a turn's API error: the log and one API_ERROR mail to the witness name it; the agent is left at its prompt", () => {
  const message = 'API Error: Unable to connect to API (ConnectionRefused)';
  const world: World = {
    observe: (now) =>
      observation(now, [observedAgent(WITNESS, {}, now), observedPolecat(now, { run: { since: T0 - MIN }, heartbeat: { timestamp: T0, state: 'idle', error: 'server_error', message } })]),
    act: () => undefined,
  };
  const { events } = sim(world, { ticks: 30, step: MIN });
  assert.equal(events.filter((e) => e.action.type !== 'log' && e.action.type !== 'mail'), [], 'no restart, nudge or mark');
  const errs = mails(events, 'API_ERROR: myrig/polecats/toast');
  assert.is(errs.length, 1);
  assert.is(errs[0]!.to, 'myrig/witness');
  assert.match(errs[0]!.subject, /Unable to connect to API \(ConnectionRefused\)/);
  assert.match(errs[0]!.body, /error: server_error/);
  const logs = events.filter((e) => e.action.type === 'log' && /API error/.test(e.action.message));
  assert.is(logs.length, 1);
  assert.match((logs[0]!.action as Extract<Action, { type: 'log' }>).message, /ConnectionRefused/);
});

test.run();

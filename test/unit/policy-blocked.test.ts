/**
 * The blocked-agent rule (daemon/policy/blocked.ts) through decide(), ticked with a fake clock and
 * the restart and notification states carried from tick to tick as the daemon carries them: a
 * blocked agent is never restarted (stale, dead, circuit breaker), never nudged, never a GUPP
 * case; the mayor gets exactly one NEEDS_HUMAN mail per episode and the person one notification;
 * the episode ends when the agent is seen not blocked. A usage limit is held but not told here.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  decide,
  describeAction,
  emptyNotifyState,
  emptyRestartState,
  type Action,
  type BlockedReport,
  type NotifyState,
  type ObservedAgent,
  type RestartState,
} from '../../internal/daemon/policy/index.js';
import { DEACON, HOUR, MIN, S, T0, TOAST, cfg, observation, observedAgent, observedPolecat } from '../helpers/policy-fixtures.js';

const API_KEY: BlockedReport = { reason: 'api-key', source: 'screen', screen: `Claude Code's "Detected a custom API key" confirmation` };

/** A daemon's ticks: decide at each `now` the clock gives, its states carried over. */
class Ticks {
  restart: RestartState = emptyRestartState();
  notify: NotifyState = emptyNotifyState();
  readonly all: Action[] = [];
  now = T0;

  tick(agents: (now: number) => ObservedAgent[], over: { deaconBeat?: number } = {}): Action[] {
    const d = decide(observation(this.now, agents(this.now), { deaconHeartbeat: { timestamp: over.deaconBeat ?? this.now } }), cfg, this.restart, this.notify);
    this.restart = d.restart;
    this.notify = d.notify;
    this.all.push(...d.actions);
    return d.actions;
  }

  /** Tick every `step` for `span`, the clock moving on. */
  run(span: number, step: number, agents: (now: number) => ObservedAgent[], over: { deaconBeat?: number } = {}): void {
    for (const end = this.now + span; this.now < end; this.now += step) this.tick(agents, over);
  }
}

const mails = (actions: Action[]) => actions.filter((a): a is Extract<Action, { type: 'mail' }> => a.type === 'mail');
const persons = (actions: Action[]) => actions.filter((a): a is Extract<Action, { type: 'person' }> => a.type === 'person');
const destructive = (actions: Action[]) => actions.filter((a) => ['start', 'restart', 'kill', 'nudge', 'markDead'].includes(a.type)).map(describeAction);

test('a deacon at a blocking screen, its heartbeat very stale with work in flight, for hours: no restart, no nudge, no boot; one NEEDS_HUMAN', () => {
  const t = new Ticks();
  const agents = (now: number) => [observedAgent(DEACON, { run: { since: T0 - HOUR, pid: 7 }, blocked: API_KEY }, now), observedPolecat(now)];
  // The deacon's heartbeat stopped an hour before: stale, then very stale, the whole time.
  t.run(3 * HOUR, MIN, agents, { deaconBeat: T0 - HOUR });
  assert.equal(destructive(t.all), [], 'nothing restarted, nudged or marked');
  assert.not.ok(t.all.some((a) => a.type === 'start'), 'no boot triage either');
  const m = mails(t.all);
  assert.is(m.length, 1, JSON.stringify(m));
  assert.is(m[0]!.to, 'mayor/');
  assert.is(m[0]!.subject, 'NEEDS_HUMAN: deacon: api-key');
  assert.match(m[0]!.body, `screen: Claude Code's "Detected a custom API key" confirmation`);
  assert.match(m[0]!.body, 'answer: gt attach deacon');
  const p = persons(t.all);
  assert.equal(p, [
    {
      type: 'person',
      kind: 'NEEDS_HUMAN',
      key: 'deacon',
      title: 'NEEDS_HUMAN: deacon: api-key',
      message: `deacon waits for a person: Claude Code's "Detected a custom API key" confirmation\nanswer it: gt attach deacon`,
      severity: 'warning',
      about: 'deacon',
    },
  ]);
});

test('the same deacon not blocked: restarted when very stale (the rule is what holds it)', () => {
  const t = new Ticks();
  t.now = T0 + 30 * MIN;
  const acts = t.tick((now) => [observedAgent(DEACON, { run: { since: T0 - HOUR, pid: 7 } }, now), observedPolecat(now)], { deaconBeat: T0 - HOUR });
  assert.equal(destructive(acts), ['restart deacon']);
});

test('a polecat blocked by its own report (permission): not marked dead for no progress, no GUPP mail, circuit breaker held', () => {
  const t = new Ticks();
  const permission: BlockedReport = { reason: 'permission', source: 'heartbeat' };
  // Its last report (blocked: permission) an hour ago, its bead as old: past dead_after and gupp_after.
  const blocked = (now: number) => [
    observedPolecat(now, { run: { since: T0 - 2 * HOUR, pid: 9 }, heartbeat: { timestamp: T0 - HOUR, state: 'blocked' }, bead: { agent_state: 'working', hook_bead: 'mr-42', updated_at: T0 - HOUR }, blocked: permission }),
  ];
  t.run(2 * HOUR, 5 * MIN, blocked);
  // The bead marked dead (by someone) while it waits: still not restarted.
  t.run(30 * MIN, 5 * MIN, (now) => [{ ...blocked(now)[0]!, bead: { agent_state: 'dead', hook_bead: 'mr-42', updated_at: now } }]);
  assert.equal(destructive(t.all), []);
  const m = mails(t.all);
  assert.equal(m.map((x) => [x.to, x.subject]), [['mayor/', 'NEEDS_HUMAN: myrig/polecats/toast: permission']]);
  assert.match(m[0]!.body, 'source: its own report');
  assert.match(m[0]!.body, 'hook: mr-42');
  // Without the report it is a working polecat with no progress: marked dead.
  const unblocked = new Ticks();
  unblocked.now = T0 + 30 * MIN;
  assert.equal(destructive(unblocked.tick((now) => [{ ...blocked(now)[0]!, blocked: undefined, heartbeat: { timestamp: T0 - HOUR, state: 'working' } }])), ['markDead myrig/polecats/toast']);
});

test('episodes: the person answers (not blocked: resolved), it blocks again (a second mail); unknown liveness ends nothing; a daemon restart re-sends nothing', () => {
  const t = new Ticks();
  const trust: BlockedReport = { reason: 'trust', source: 'screen', screen: "Codex's folder trust dialog" };
  const witness = (blocked: BlockedReport | undefined, over: Partial<ObservedAgent> = {}) => (now: number) => [
    observedAgent({ role: 'witness', rig: 'myrig', prefix: 'mr', identity: 'myrig/witness', session: 'mr-witness', workdir: 'myrig/witness' }, { run: { since: T0, pid: 5 }, ...(blocked ? { blocked } : {}), ...over }, now),
  ];
  t.run(10 * MIN, 30 * S, witness(trust));
  // A tick where tmux could not be asked: the episode goes on.
  t.run(MIN, 30 * S, witness(undefined, { liveness: 'unknown' }));
  // The daemon restarts: its states come back from disk (the same objects here), nothing re-sent.
  t.run(10 * MIN, 30 * S, witness(trust));
  assert.is(mails(t.all).length, 1);
  assert.is(persons(t.all).length, 1);
  // Answered: at its prompt again. The episode ends once.
  t.run(2 * MIN, 30 * S, witness(undefined));
  assert.equal(persons(t.all).slice(1), [{ type: 'person', kind: 'NEEDS_HUMAN', key: 'myrig/witness', resolve: true }]);
  assert.ok(t.all.some((a) => a.type === 'log' && a.message === 'myrig/witness is no longer blocked'));
  // Blocked again, by another screen: a new episode, a new mail.
  t.run(5 * MIN, 30 * S, witness({ reason: 'permission', source: 'screen', screen: "Codex's approval prompt" }));
  assert.equal(mails(t.all).map((m) => m.subject), ['NEEDS_HUMAN: myrig/witness: trust', 'NEEDS_HUMAN: myrig/witness: permission']);
  assert.is(persons(t.all).filter((p) => !('resolve' in p)).length, 2);
  assert.equal(destructive(t.all), []);
});

test('a usage limit is held (no restart, no nudge) but told by the usage-limit rule, never as NEEDS_HUMAN', () => {
  const t = new Ticks();
  const limit: BlockedReport = { reason: 'usage-limit', source: 'screen', screen: "Claude Code's usage limit", resetAt: T0 + 3 * HOUR };
  t.run(2 * HOUR, 5 * MIN, (now) => [observedAgent(DEACON, { run: { since: T0 - HOUR, pid: 7 }, blocked: limit }, now), observedPolecat(now)], { deaconBeat: T0 - HOUR });
  assert.equal(destructive(t.all), []);
  // Told once, by the usage-limit rule (policy/usage-limit.ts), never as NEEDS_HUMAN.
  assert.equal(mails(t.all).map((m) => m.subject), ['USAGE_LIMIT: deacon reached its usage limit; resuming it at 2025-01-01T15:00:00.000Z']);
  assert.equal(persons(t.all), []);
});

test('a question (gt ask) is mailed to the mayor but not notified again as NEEDS_HUMAN (the QUESTION notification tells the person)', () => {
  const t = new Ticks();
  t.run(10 * MIN, MIN, (now) => [observedPolecat(now, { heartbeat: { timestamp: now, state: 'blocked' }, blocked: { reason: 'question', source: 'heartbeat' } })]);
  assert.equal(mails(t.all).map((m) => m.subject), ['NEEDS_HUMAN: myrig/polecats/toast: question']);
  assert.equal(persons(t.all), []);
});

test('a blocked agent that dies is dead, not blocked: restarted as any death, and its episode ends', () => {
  const t = new Ticks();
  t.run(5 * MIN, MIN, (now) => [observedAgent(DEACON, { run: { since: T0, pid: 7 }, blocked: API_KEY }, now)]);
  const acts = t.tick(() => [observedAgent(DEACON, { liveness: 'dead', heartbeat: null })]);
  assert.equal(destructive(acts), ['start deacon']);
  assert.equal(persons(acts), [{ type: 'person', kind: 'NEEDS_HUMAN', key: 'deacon', resolve: true }]);
  assert.is(Object.keys(t.notify.slots).filter((k) => k.includes('needs-human')).length, 0);
});

test.run();

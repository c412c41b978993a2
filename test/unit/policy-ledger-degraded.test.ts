/**
 * Degraded mode's rules (policy/ledger-degraded.ts), pure: while the ledger is unusable nothing
 * that needs it is applied (and a dropped mail's slot is freed to be decided again), starts and
 * restarts still are, the episode is logged once across ticks, and recovery sends one NEEDS_HUMAN
 * to the mayor whose outbox slot ends the episode.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decide, describeAction, slotKey, type Action, type Decision, type NotifyState, type RestartState } from '../../internal/daemon/policy/index.js';
import { ALERT_SLOT, EPISODE_SLOT, applyLedgerStatus, type LedgerStatus } from '../../internal/daemon/policy/ledger-degraded.js';
import { MIN, T0, MAYOR, cfg, observation, observedAgent, observedPolecat } from '../helpers/policy-fixtures.js';

const CORRUPT: LedgerStatus = { ok: false, problem: 'corrupt', message: '.beads/beads.db is not a valid SQLite database', lastGoodAt: T0 - MIN };
const OK: LedgerStatus = { ok: true };
const show = (actions: Action[]) => actions.map(describeAction);
const emptyRestart: RestartState = { version: 2, agents: {} };
const emptyNotify: NotifyState = { version: 1, slots: {} };

/** A town where decide wants a restart (the mayor died), a markDead (a stale polecat) and a mail. */
function tick(now: number, ledger: LedgerStatus, notify: NotifyState, restart: RestartState = emptyRestart): Decision {
  const old = now - 16 * MIN;
  const agents = [
    observedAgent(MAYOR, { liveness: 'dead', run: undefined }, now),
    observedPolecat(now, { heartbeat: { timestamp: old }, bead: { agent_state: 'working', hook_bead: 'mr-1', updated_at: old } }),
  ];
  return applyLedgerStatus(decide(observation(now, agents), cfg, restart, notify), ledger, now);
}

test('healthy ledger: decide untouched, no episode', () => {
  const plain = decide(observation(T0, [observedAgent(MAYOR, { liveness: 'dead' })]), cfg, emptyRestart, emptyNotify);
  assert.is(applyLedgerStatus(plain, OK, T0), plain);
});

test('degraded: starts go on, ledger actions are dropped, the episode is logged once over many ticks', () => {
  const healthy = tick(T0, OK, emptyNotify);
  assert.ok(show(healthy.actions).includes('markDead myrig/polecats/toast'), show(healthy.actions).join());

  let notify = emptyNotify;
  let errors = 0;
  const persons: Array<Extract<Action, { type: 'person' }>> = [];
  for (let i = 0; i < 20; i++) {
    const d = tick(T0 + i * 1000, CORRUPT, notify);
    notify = d.notify;
    const kinds = d.actions.map((a) => a.type);
    assert.ok(show(d.actions).some((s) => /^(start|restart) mayor$/.test(s)), `the dead mayor is still started: ${show(d.actions).join()}`);
    for (const k of ['mail', 'markDead', 'claimLifecycle', 'deleteLifecycle']) assert.not.ok(kinds.includes(k as Action['type']), `${k} while degraded`);
    errors += d.actions.filter((a) => a.type === 'log' && a.level === 'error' && /ledger unavailable \(corrupt\)/.test(a.message)).length;
    persons.push(...d.actions.filter((a): a is Extract<Action, { type: 'person' }> => a.type === 'person'));
  }
  assert.is(errors, 1, 'one ERROR line for the whole episode');
  assert.is(persons.length, 1, 'the person is told once, when the episode begins');
  assert.equal(
    { kind: persons[0]!.kind, key: persons[0]!.key, severity: 'severity' in persons[0]! ? persons[0].severity : undefined },
    { kind: 'NEEDS_HUMAN', key: 'town-ledger', severity: 'critical' },
  );
  assert.match('title' in persons[0]! ? persons[0].title : '', /town ledger is unavailable \(corrupt\)/);
  assert.ok(notify.slots[slotKey(EPISODE_SLOT)], 'the episode is a slot (survives a daemon restart)');
  // No mail slot is left recorded for a mail that was never sent.
  assert.equal(Object.values(notify.slots).filter((s) => s.recipient !== 'log' && s.kind !== 'health-check'), []);
});

test('recovery: one NEEDS_HUMAN to the mayor; the episode ends once the outbox holds that mail', () => {
  let notify = tick(T0, CORRUPT, emptyNotify).notify;
  const back = tick(T0 + 5 * MIN, OK, notify);
  const mails = back.actions.filter((a): a is Extract<Action, { type: 'mail' }> => a.type === 'mail');
  const alert = mails.filter((m) => m.subject.startsWith('NEEDS_HUMAN'));
  assert.is(alert.length, 1, show(back.actions).join());
  assert.is(alert[0]!.to, 'mayor/');
  assert.is(alert[0]!.slot, slotKey(ALERT_SLOT));
  assert.match(alert[0]!.subject, /ledger was unavailable \(corrupt\) for 300s/);
  assert.ok(back.actions.some((a) => a.type === 'log' && /leaving degraded mode/.test(a.message)));
  // The person's notification episode ends too.
  assert.equal(
    back.actions.filter((a) => a.type === 'person'),
    [{ type: 'person', kind: 'NEEDS_HUMAN', key: 'town-ledger', resolve: true }],
  );
  // The ledger's own actions are back too.
  assert.ok(show(back.actions).includes('markDead myrig/polecats/toast'));

  // The mail was sent (its slot is in the outbox, read back next tick): the episode ends, nothing more.
  notify = back.notify;
  const next = tick(T0 + 5 * MIN + 1000, OK, notify);
  assert.not.ok(next.notify.slots[slotKey(EPISODE_SLOT)], 'episode over');
  assert.equal(next.actions.filter((a) => a.type === 'mail' && a.subject.startsWith('NEEDS_HUMAN')), []);
  assert.not.ok(next.actions.some((a) => a.type === 'log' && /ledger/.test(a.message)));
});

test('recovery mail not sent (its slot freed by act): it is tried again next tick, still one episode', () => {
  const notify = tick(T0, CORRUPT, emptyNotify).notify;
  const back = tick(T0 + MIN, OK, notify);
  const lost: NotifyState = { version: 1, slots: Object.fromEntries(Object.entries(back.notify.slots).filter(([k]) => k !== slotKey(ALERT_SLOT))) };
  const again = tick(T0 + MIN + 1000, OK, lost);
  assert.is(again.actions.filter((a) => a.type === 'mail' && a.subject.startsWith('NEEDS_HUMAN')).length, 1);
});

test('a restarted daemon mid-episode does not log it again (the episode slot is persisted)', () => {
  const first = tick(T0, CORRUPT, emptyNotify);
  const restarted = tick(T0 + 10 * MIN, CORRUPT, first.notify);
  assert.not.ok(restarted.actions.some((a) => a.type === 'log' && /ledger unavailable/.test(a.message)));
});

test.run();

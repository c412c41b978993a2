import type { LedgerProblem } from '../../errors.js';
import { NOTIFY_KINDS } from '../../notify/event.js';
import type { Action } from './actions.js';
import type { Decision } from './decide.js';
import { MAYOR, body, iso } from './messages.js';
import { clearSlot, record, slotKey, type NotifyState, type SlotId } from './notify.js';

/**
 * Degraded mode (pure): what the tick may do while the town ledger cannot be read or written.
 *
 * The sessions stay supervised from the last good observation (observe supplies it), so starts,
 * restarts, kills and nudges go on; every action that needs the ledger is dropped (mail, lifecycle
 * claims, the circuit breaker's markDead), and a dropped mail's slot is cleared so it is decided
 * again once the ledger is back. The episode is one slot: an ERROR log line when it begins (kept
 * in daemon/notify_state.json, so a daemon restart mid-episode does not log it again), and when
 * the ledger takes writes again one NEEDS_HUMAN mail to the mayor, sent through the outbox with
 * the episode as its condition: the episode slot is only cleared once that mail's slot is in the
 * ledger, so it is sent exactly once even across a crash. The person hears of it at once through
 * the notifier (which needs no ledger): one NEEDS_HUMAN when the episode begins, resolved when the
 * ledger is back.
 */

/** The notifier's episode key for a ledger outage (one town, one ledger). */
export const PERSON_KEY = 'town-ledger';

export type LedgerStatus =
  | { ok: true }
  | {
      ok: false;
      problem: LedgerProblem;
      /** The ledger's own one-line error (names the file and the fix). */
      message: string;
      /** When the observation decide works from was read (epoch ms); null if none was ever read. */
      lastGoodAt: number | null;
    };

/** Kind `gate:` keeps the slot out of decide's pruning: an outage of hours is still one episode. */
export const EPISODE_SLOT: SlotId = { recipient: 'log', kind: 'gate:ledger-unavailable', agent: '' };
export const ALERT_SLOT: SlotId = { recipient: MAYOR, kind: 'ledger-unavailable', agent: '' };

/** Actions that read or write the ledger: none is applied in degraded mode. */
export function needsLedger(a: Action): boolean {
  return a.type === 'mail' || a.type === 'claimLifecycle' || a.type === 'deleteLifecycle' || a.type === 'markDead';
}

export function applyLedgerStatus(d: Decision, ledger: LedgerStatus, now: number): Decision {
  const episodeKey = slotKey(EPISODE_SLOT);
  let notify: NotifyState = d.notify;
  const episode = notify.slots[episodeKey];

  if (!ledger.ok) {
    const actions: Action[] = [];
    for (const a of d.actions) {
      if (!needsLedger(a)) actions.push(a);
      else if (a.type === 'mail') notify = clearSlot(notify, a.slot);
    }
    if (!episode) {
      notify = record(notify, EPISODE_SLOT, `${ledger.problem} since ${iso(now)}`, now);
      const seen = ledger.lastGoodAt === null ? 'no ledger observation yet: only the town role sessions' : `the agents as last read at ${iso(ledger.lastGoodAt)}`;
      actions.unshift(
        {
          type: 'log',
          level: 'error',
          slot: episodeKey,
          message: `ledger unavailable (${ledger.problem}): ${ledger.message}; degraded mode: supervising ${seen}, restarting crashed sessions; no mail, lifecycle requests or bead writes until the ledger recovers (it is never rewritten or recreated by the daemon)`,
        },
        {
          type: 'person',
          kind: NOTIFY_KINDS.needsHuman,
          key: PERSON_KEY,
          severity: 'critical',
          title: `the town ledger is unavailable (${ledger.problem}): the daemon runs in degraded mode`,
          message: `${ledger.message}\nSessions are kept running and restarted; no mail, lifecycle requests or bead writes until the ledger is usable again (gt status, gt daemon logs).`,
        },
      );
    }
    return { ...d, actions, notify };
  }

  if (!episode) return d;
  const alertKey = slotKey(ALERT_SLOT);
  // The outbox holds this episode's alert: it was sent (maybe by a daemon that died right after).
  const resolved: Action = { type: 'person', kind: NOTIFY_KINDS.needsHuman, key: PERSON_KEY, resolve: true };
  if (notify.slots[alertKey]?.condition === episode.condition) return { ...d, actions: [resolved, ...d.actions], notify: clearSlot(notify, episodeKey) };
  notify = record(notify, ALERT_SLOT, episode.condition, now);
  const since = episode.at;
  const actions: Action[] = [
    { type: 'log', level: 'info', message: `ledger usable again after ${Math.round((now - since) / 1000)}s (${episode.condition}); leaving degraded mode; NEEDS_HUMAN to ${MAYOR}` },
    {
      type: 'mail',
      to: MAYOR,
      slot: alertKey,
      subject: `NEEDS_HUMAN: the town ledger was unavailable (${episode.condition.split(' ')[0]}) for ${Math.round((now - since) / 1000)}s`,
      body: body({
        what: 'the daemon could not read or write .beads/beads.db and ran in degraded mode',
        episode: episode.condition,
        from: iso(since),
        until: iso(now),
        meanwhile: 'sessions were kept running and restarted; no mail, lifecycle requests or bead writes were made by the daemon',
        check: 'how the ledger broke (gt daemon logs), and whether agents lost writes (gt done, gt mail) while it was down',
      }),
    },
    resolved,
    ...d.actions,
  ];
  return { ...d, actions, notify };
}

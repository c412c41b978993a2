import { messageOf } from '../../errors.js';
import { withLedger } from '../../ledger/index.js';
import { clearSlot, describeAction, type Action, type NotifyState } from '../policy/index.js';
import type { EngineView, Reporter } from './view.js';

/** The daemon writes mail as the deacon's patrol: replies go to deacon/. */
const DAEMON_SENDER = 'deacon/';

type LedgerAction = Extract<Action, { type: 'mail' | 'claimLifecycle' | 'deleteLifecycle' }>;

export function isLedgerAction(a: Action): a is LedgerAction {
  return a.type === 'mail' || a.type === 'claimLifecycle' || a.type === 'deleteLifecycle';
}

export interface LedgerActResult {
  notify: NotifyState;
  /** Slot keys whose mail was sent this tick: those slots are in the ledger's outbox now. */
  sent: Set<string>;
  /** Senders whose lifecycle request someone else claimed first: their agent actions are not ours to apply. */
  claimedElsewhere: Set<string>;
}

/**
 * A test hook (documented in README, "Test hooks"): with GT_TEST_KILL_AFTER_MAIL=<subject prefix>
 * the daemon SIGKILLs itself right after a mail with that subject is committed, the most
 * dangerous instant for a duplicate alert. Read once; unset, it costs nothing.
 */
const KILL_AFTER_MAIL = process.env.GT_TEST_KILL_AFTER_MAIL || undefined;

/**
 * Mail and lifecycle bookkeeping, in one ledger open per tick (cheap, and before any agent
 * action: a lifecycle request is claimed before the restart it causes). Each mail is written with
 * its dedup slot in one transaction (the outbox), so a crash can neither duplicate nor lose it. A
 * mail that cannot be sent clears its dedup slot, so the next tick tries again; a ledger that
 * fails as a whole puts the daemon in degraded mode (ledger-health.ts).
 */
export function actLedger(engine: EngineView, actions: readonly Action[], notify: NotifyState, report: Reporter): LedgerActResult {
  const { log } = engine;
  const claimedElsewhere = new Set<string>();
  const sent = new Set<string>();
  const list = actions.filter(isLedgerAction);
  if (list.length === 0) return { notify, claimedElsewhere, sent };
  const health = engine.ledgerHealth;
  try {
    withLedger(engine.layout, (l) => {
      for (const a of list) {
        try {
          if (a.type === 'mail') {
            const slot = notify.slots[a.slot];
            if (!slot) throw new Error(`no dedup slot ${a.slot} for this mail (a bug in decide)`);
            l.sendNotification({ from: DAEMON_SENDER, to: a.to, subject: a.subject, body: a.body }, { key: a.slot, ...slot });
            sent.add(a.slot);
            log.info(`mail to ${a.to}: ${a.subject}`);
            if (KILL_AFTER_MAIL && a.subject.startsWith(KILL_AFTER_MAIL)) process.kill(process.pid, 'SIGKILL');
          } else if (a.type === 'claimLifecycle') {
            const mine = l.claimMail(a.id);
            if (a.refused !== undefined) log.warn(a.refused);
            else {
              // Claimed by someone else (another daemon run, a person): not ours to act on.
              if (!mine) claimedElsewhere.add(a.from);
              log.info(`lifecycle request ${a.id} from ${a.from} claimed`);
            }
          } else {
            l.deleteMail(a.id);
            log.info(`lifecycle request ${a.id} from ${a.from} deleted without action: ${a.reason}`);
          }
          health.wrote();
          report(a, true);
        } catch (e) {
          if (a.type === 'mail') notify = clearSlot(notify, a.slot);
          health.failedWrite(e, engine.now());
          log.error(`${describeAction(a)} failed: ${messageOf(e)}`);
          report(a, false, messageOf(e));
        }
      }
    });
  } catch (e) {
    health.failedWrite(e, engine.now());
    log.error(`ledger unavailable this tick: ${messageOf(e)}`);
    for (const a of list) if (a.type === 'mail' && !sent.has(a.slot)) notify = clearSlot(notify, a.slot);
  }
  return { notify, claimedElsewhere, sent };
}

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
  /** Senders whose lifecycle request someone else claimed first: their agent actions are not ours to apply. */
  claimedElsewhere: Set<string>;
}

/**
 * Mail and lifecycle bookkeeping, in one ledger transaction per tick (cheap, and before any agent
 * action: a lifecycle request is claimed before the restart it causes). A mail that cannot be
 * sent clears its dedup slot, so the next tick tries again.
 */
export function actLedger(engine: EngineView, actions: readonly Action[], notify: NotifyState, report: Reporter): LedgerActResult {
  const { log } = engine;
  const claimedElsewhere = new Set<string>();
  const list = actions.filter(isLedgerAction);
  if (list.length === 0) return { notify, claimedElsewhere };
  try {
    withLedger(engine.layout, (l) => {
      for (const a of list) {
        try {
          if (a.type === 'mail') {
            l.sendMail({ from: DAEMON_SENDER, to: a.to, subject: a.subject, body: a.body });
            log.info(`mail to ${a.to}: ${a.subject}`);
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
          report(a, true);
        } catch (e) {
          if (a.type === 'mail') notify = clearSlot(notify, a.slot);
          log.error(`${describeAction(a)} failed: ${messageOf(e)}`);
          report(a, false, messageOf(e));
        }
      }
    });
  } catch (e) {
    log.error(`ledger unavailable this tick: ${messageOf(e)}`);
    for (const a of list) if (a.type === 'mail') notify = clearSlot(notify, a.slot);
  }
  return { notify, claimedElsewhere };
}

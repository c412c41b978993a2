import type { OutboxSlot } from '../../ledger/index.js';
import { withLedger } from '../../ledger/index.js';
import type { NotifyState } from '../policy/index.js';
import { ledgerLine } from './ledger-health.js';
import type { EngineView } from './view.js';

/**
 * The tick's side of the outbox (ledger/outbox.ts). Mail dedup slots live in the ledger, written
 * with their mail; the other slots (log lines, nudges) stay in daemon/notify_state.json. The file
 * never holds an outbox slot, so after a crash the ledger alone says which alerts were sent.
 */

/** The slots decide works from: the file's, with the outbox's over them. */
export function withOutbox(file: NotifyState, outbox: readonly OutboxSlot[]): NotifyState {
  const slots = { ...file.slots };
  for (const s of outbox) slots[s.key] = { recipient: s.recipient, kind: s.kind, agent: s.agent, condition: s.condition, at: s.at };
  return { version: 1, slots };
}

/** What notify_state.json keeps: everything but the outbox's slots. */
export function withoutOutbox(state: NotifyState, outboxKeys: ReadonlySet<string>): NotifyState {
  return { version: 1, slots: Object.fromEntries(Object.entries(state.slots).filter(([k]) => !outboxKeys.has(k))) };
}

/**
 * Drop the outbox slots decide cleared (episode over, or expired) so the next episode mails again.
 * Opens the ledger only when there is something to drop; not while the ledger is unusable.
 */
export function settleOutbox(engine: EngineView, final: NotifyState, outboxKeys: ReadonlySet<string>): void {
  if (!engine.ledgerHealth.status.ok) return;
  if (![...outboxKeys].some((k) => !(k in final.slots))) return;
  const keep = new Set([...outboxKeys].filter((k) => k in final.slots));
  try {
    withLedger(engine.layout, (l) => l.retainOutboxSlots(keep));
  } catch (e) {
    // A slot left in the outbox only keeps one ended episode quiet until the next tick retries this.
    engine.ledgerHealth.failedWrite(e, engine.now());
    engine.log.warn(`outbox: could not drop ended notification slots: ${ledgerLine(e)}`);
  }
}

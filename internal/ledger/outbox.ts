import { z } from 'zod';
import { sendMail, type MailMessage, type SendMailInput } from './mail.js';
import type { Store } from './store.js';

/**
 * The outbox: a notification mail and the dedup slot that allowed it are written in one ledger
 * transaction. A crash before the commit leaves neither (the mail is sent again, once); a crash
 * after it leaves both (the slot, read back at the next start, stops a second mail). The daemon
 * keeps its other slots (log lines, nudges) in daemon/notify_state.json; these are the truth for
 * mail slots.
 */

export interface OutboxSlot {
  key: string;
  recipient: string;
  kind: string;
  agent: string;
  condition: string;
  /** When it was sent, on the daemon's clock (epoch ms). */
  at: number;
  /** The mail it sent. */
  mail_id: string;
}

const rowSchema = z.object({
  key: z.string().min(1),
  recipient: z.string(),
  kind: z.string().min(1),
  agent: z.string(),
  condition: z.string(),
  at: z.number().finite().nonnegative(),
  mail_id: z.string().min(1),
});

export function sendNotification(store: Store, mail: SendMailInput, slot: Omit<OutboxSlot, 'mail_id'>): MailMessage {
  return store.write(() => {
    const m = sendMail(store, mail);
    store.db
      .prepare(
        `INSERT INTO notify_slots (key, recipient, kind, agent, condition, at, mail_id) VALUES (@key, @recipient, @kind, @agent, @condition, @at, @mail_id)
         ON CONFLICT (key) DO UPDATE SET recipient = excluded.recipient, kind = excluded.kind, agent = excluded.agent,
           condition = excluded.condition, at = excluded.at, mail_id = excluded.mail_id`,
      )
      .run({ ...slot, mail_id: m.id });
    return m;
  });
}

export function outboxSlots(store: Store): OutboxSlot[] {
  return store.read(() => store.db.prepare('SELECT key, recipient, kind, agent, condition, at, mail_id FROM notify_slots ORDER BY key').all().map((r) => rowSchema.parse(r)));
}

/** Forget the slots not in `keep` (their episode ended, or they expired): the next episode mails again. */
export function retainOutboxSlots(store: Store, keep: ReadonlySet<string>): number {
  return store.write(() => {
    const del = store.db.prepare('DELETE FROM notify_slots WHERE key = ?');
    let n = 0;
    for (const s of outboxSlots(store)) if (!keep.has(s.key)) n += del.run(s.key).changes;
    return n;
  });
}

/**
 * Prove the ledger takes writes (after one failed for lack of disk space): a row written and
 * removed in one committed transaction, so the file's pages really are written, and nothing stays.
 */
export function probeWrite(store: Store): void {
  store.write(() => {
    store.db.prepare(`INSERT INTO notify_slots (key, recipient, kind, agent, condition, at, mail_id) VALUES ('probe', '', 'probe', '', '', 0, 'probe')`).run();
    store.db.prepare(`DELETE FROM notify_slots WHERE key = 'probe'`).run();
  });
}

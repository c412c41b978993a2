import { z } from 'zod';
import { GtError } from '../errors.js';
import { canonicalAddress, canonicalSender } from './address.js';
import { MESSAGE_PREFIX, workBeadId } from './ids.js';
import { Store, notFound } from './store.js';
import { descriptionSchema, messageFieldsSchema, parseFields, parseInput, titleSchema, type Bead } from './schema.js';

/**
 * Mail: beads of type `message`. title = subject, description = body, assignee = recipient
 * (indexed, so an inbox is one index lookup), fields = {from, to, read, read_at}.
 * Open = in the inbox; closed = claimed (handled) by someone; delete removes the row.
 */

export interface MailMessage {
  id: string;
  from: string;
  to: string;
  subject: string;
  body: string;
  read: boolean;
  read_at: string | null;
  status: Bead['status'];
  created_at: string;
}

export function toMessage(b: Bead): MailMessage {
  const f = parseFields(b, messageFieldsSchema);
  return {
    id: b.id,
    from: f.from,
    to: f.to,
    subject: b.title,
    body: b.description,
    read: f.read,
    read_at: f.read_at ?? null,
    status: b.status,
    created_at: b.created_at,
  };
}

export const sendMailSchema = z
  .object({
    from: z.string().min(1),
    to: z.string().min(1),
    subject: titleSchema,
    body: descriptionSchema.default(''),
  })
  .strict();
export type SendMailInput = z.input<typeof sendMailSchema>;

const MAX_ID_ATTEMPTS = 12;

export function sendMail(store: Store, input: SendMailInput): MailMessage {
  const v = parseInput(sendMailSchema, input, 'mail');
  const to = canonicalAddress(v.to);
  const from = canonicalSender(v.from);
  return store.write(() => {
    const now = store.now();
    for (let attempt = 0; attempt < MAX_ID_ATTEMPTS; attempt++) {
      const bead: Bead = {
        id: workBeadId(MESSAGE_PREFIX, attempt + 3),
        type: 'message',
        title: v.subject,
        description: v.body,
        status: 'open',
        priority: 2,
        assignee: to,
        labels: [],
        fields: { from, to, read: false, read_at: null },
        created_at: now,
        updated_at: now,
        closed_at: null,
      };
      if (store.tryInsert(bead)) return toMessage(bead);
    }
    throw new GtError('CONFLICT', `could not find a free message id after ${MAX_ID_ATTEMPTS} tries`);
  });
}

export interface InboxOptions {
  /** Only messages not read yet. */
  unread?: boolean;
  /** Include claimed (closed) messages too. */
  all?: boolean;
}

/** Messages to `address` (any accepted form), oldest first. */
export function inbox(store: Store, address: string, opts: InboxOptions = {}): MailMessage[] {
  const to = canonicalAddress(address);
  const where = [`type = 'message'`, 'assignee = ?'];
  if (!opts.all) where.push(`status != 'closed'`);
  if (opts.unread) where.push(`json_extract(fields, '$.read') = 0`);
  return store.read(() => store.all(`SELECT * FROM beads WHERE ${where.join(' AND ')} ORDER BY created_at, rowid`, [to]).map(toMessage));
}

function mustGetMessage(store: Store, id: string): Bead {
  const b = store.getRow(id);
  if (!b || b.type !== 'message') throw notFound(id, 'message');
  return b;
}

/** A message without marking it read. */
export function getMail(store: Store, id: string): MailMessage {
  return store.read(() => toMessage(mustGetMessage(store, id)));
}

/** A message, marked read (the first read time is kept). */
export function readMail(store: Store, id: string): MailMessage {
  return store.write(() => {
    const b = mustGetMessage(store, id);
    const m = toMessage(b);
    if (m.read) return m;
    const now = store.now();
    const next: Bead = { ...b, fields: { ...b.fields, read: true, read_at: now }, updated_at: now };
    store.save(next);
    return toMessage(next);
  });
}

/** Remove a message for good. NOT_FOUND when there is no such message. */
export function deleteMail(store: Store, id: string): void {
  store.write(() => {
    mustGetMessage(store, id);
    store.db.prepare('DELETE FROM beads WHERE id = ?').run(id);
  });
}

/**
 * Claim a message (close it) before acting on it. Returns false when someone else already
 * claimed or deleted it, so of many concurrent claimers exactly one acts.
 */
export function claimMail(store: Store, id: string): boolean {
  return store.write(() => {
    const now = store.now();
    const r = store.db
      .prepare(`UPDATE beads SET status = 'closed', closed_at = ?, updated_at = ? WHERE id = ? AND type = 'message' AND status != 'closed'`)
      .run(now, now, id);
    return r.changes === 1;
  });
}

/** Unread, unclaimed messages per recipient address (for `gt status`). */
export function unreadCounts(store: Store): Record<string, number> {
  return store.read(() => {
    const rows = store.db
      .prepare(`SELECT assignee AS address, COUNT(*) AS n FROM beads WHERE type = 'message' AND status != 'closed' AND json_extract(fields, '$.read') = 0 GROUP BY assignee`)
      .all() as Array<{ address: string; n: number }>;
    return Object.fromEntries(rows.map((r) => [r.address, r.n]));
  });
}

import { z } from 'zod';
import { GtError, InvalidInputError } from '../errors.js';
import { OVERSEER, canonicalSender } from './address.js';
import { sendMail } from './mail.js';
import { Store, notFound } from './store.js';
import { parseFields, parseInput, type Bead } from './schema.js';

/**
 * Questions from agents to the person (`gt ask`): a message bead to `overseer` (so it is in the
 * person's inbox too) whose fields mark it a question and hold its options, its deadline and, once
 * given, the answer. Open = waiting for an answer; closed = answered or expired (the asker stopped
 * waiting). Answering and expiring are one conditional UPDATE each, so of an answer racing the
 * asker's deadline exactly one wins, and the asker reports what the ledger says.
 */

export const QUESTION_LIMITS = { text: 4_000, option: 100, options: 20, answer: 4_000 } as const;

export const questionFieldsSchema = z
  .object({
    question: z.literal(true),
    options: z.array(z.string()).nullable(),
    expires_at: z.iso.datetime({ offset: true }),
    session: z.string().nullable(),
    answer: z.string().nullable(),
    answered_by: z.string().nullable(),
    answered_at: z.iso.datetime({ offset: true }).nullable(),
    expired_at: z.iso.datetime({ offset: true }).nullable(),
    notified_at: z.iso.datetime({ offset: true }).nullable().optional(),
  })
  .loose();

export type QuestionState = 'open' | 'answered' | 'expired';

export interface Question {
  id: string;
  from: string;
  text: string;
  options: string[] | null;
  state: QuestionState;
  answer: string | null;
  answered_by: string | null;
  answered_at: string | null;
  expires_at: string;
  /** The asker's tmux session, when asked from one. */
  session: string | null;
  created_at: string;
  notified_at: string | null;
}

export const askSchema = z
  .object({
    from: z.string().min(1),
    text: z.string().trim().min(1, 'the question is empty').max(QUESTION_LIMITS.text, `at most ${QUESTION_LIMITS.text} characters`),
    options: z
      .array(z.string().trim().min(1, 'an option is empty').max(QUESTION_LIMITS.option, `an option has at most ${QUESTION_LIMITS.option} characters`))
      .max(QUESTION_LIMITS.options, `at most ${QUESTION_LIMITS.options} options`)
      .refine((o) => new Set(o.map((x) => x.toLowerCase())).size === o.length, 'options must differ')
      .optional(),
    timeoutMs: z.number().int().positive(),
    session: z.string().regex(/^[a-zA-Z0-9_-]{1,100}$/).optional(),
  })
  .strict();
export type AskInput = z.input<typeof askSchema>;

export function isQuestion(b: Bead): boolean {
  return b.type === 'message' && b.fields.question === true;
}

export function toQuestion(b: Bead, now: number): Question {
  const f = parseFields(b, questionFieldsSchema);
  const from = typeof b.fields.from === 'string' ? b.fields.from : '?';
  // Past its deadline an open question is as good as expired: its asker no longer listens.
  const lapsed = b.status !== 'closed' && Date.parse(f.expires_at) <= now;
  const state: QuestionState = f.answer !== null ? 'answered' : b.status === 'closed' || lapsed ? 'expired' : 'open';
  return {
    id: b.id,
    from,
    text: b.description,
    options: f.options,
    state,
    answer: f.answer,
    answered_by: f.answered_by,
    answered_at: f.answered_at,
    expires_at: f.expires_at,
    session: f.session,
    created_at: b.created_at,
    notified_at: f.notified_at ?? null,
  };
}

/** The subject line of a question's message: its first line, cut to fit. */
function subjectOf(text: string): string {
  const first = text.split('\n')[0]!.trim();
  return first.length > 200 ? `${first.slice(0, 197)}...` : first;
}

export function askQuestion(store: Store, input: AskInput): Question {
  const v = parseInput(askSchema, input, 'question');
  const from = canonicalSender(v.from);
  return store.write(() => {
    const msg = sendMail(store, { from, to: OVERSEER, subject: subjectOf(v.text), body: v.text });
    const b = store.mustGet(msg.id, 'message');
    const expires = new Date(Date.parse(b.created_at) + v.timeoutMs).toISOString();
    const next: Bead = {
      ...b,
      fields: {
        ...b.fields,
        question: true,
        options: v.options ?? null,
        expires_at: expires,
        session: v.session ?? null,
        answer: null,
        answered_by: null,
        answered_at: null,
        expired_at: null,
      },
    };
    store.save(next);
    return toQuestion(next, Date.parse(b.created_at));
  });
}

function mustGetQuestion(store: Store, id: string): Bead {
  const b = store.getRow(id);
  if (!b || !isQuestion(b)) throw notFound(id, 'question');
  return b;
}

export function getQuestion(store: Store, id: string): Question {
  return store.read(() => toQuestion(mustGetQuestion(store, id), Date.parse(store.now())));
}

/** Open questions to the person, oldest first (lapsed ones are left out). */
export function openQuestions(store: Store): Question[] {
  const now = Date.parse(store.now());
  return store.read(() =>
    store
      .all(`SELECT * FROM beads WHERE type = 'message' AND assignee = ? AND status != 'closed' AND json_extract(fields, '$.question') = 1 ORDER BY created_at, rowid`, [OVERSEER])
      .map((b) => toQuestion(b, now))
      .filter((q) => q.state === 'open'),
  );
}

/**
 * The answer as recorded. With options, the answer must be one of them (matched without regard to
 * case; the option's own spelling is stored). Refuses a question that is answered or expired.
 */
export function answerQuestion(store: Store, id: string, answer: string, by: string): Question {
  const text = parseInput(z.string().trim().min(1, 'is empty').max(QUESTION_LIMITS.answer, `at most ${QUESTION_LIMITS.answer} characters`), answer, 'answer');
  const who = canonicalSender(by);
  return store.write(() => {
    const b = mustGetQuestion(store, id);
    const now = store.now();
    const q = toQuestion(b, Date.parse(now));
    if (q.state === 'answered') throw new GtError('CONFLICT', `question ${id} was already answered by ${q.answered_by} at ${q.answered_at}: ${JSON.stringify(q.answer)}`);
    if (q.state === 'expired') throw new GtError('CONFLICT', `question ${id} expired at ${q.expires_at}: ${q.from} stopped waiting for an answer`, { hint: 'send it as mail instead: gt mail send ...' });
    let final = text;
    if (q.options) {
      const match = q.options.find((o) => o.toLowerCase() === text.toLowerCase());
      if (match === undefined) throw new InvalidInputError(`${JSON.stringify(text)} is not one of the options of ${id}`, `answer one of: ${q.options.join(', ')}`);
      final = match;
    }
    const next: Bead = {
      ...b,
      status: 'closed',
      closed_at: now,
      updated_at: now,
      fields: { ...b.fields, answer: final, answered_by: who, answered_at: now, read: true, read_at: (b.fields.read_at as string | null) ?? now },
    };
    store.save(next);
    return toQuestion(next, Date.parse(now));
  });
}

/** The asker stops waiting: close it unless it was answered meanwhile. Returns the question as it stands. */
export function expireQuestion(store: Store, id: string): Question {
  return store.write(() => {
    const b = mustGetQuestion(store, id);
    if (b.status === 'closed') return toQuestion(b, Date.parse(store.now()));
    const now = store.now();
    const next: Bead = { ...b, status: 'closed', closed_at: now, updated_at: now, fields: { ...b.fields, expired_at: now } };
    store.save(next);
    return toQuestion(next, Date.parse(now));
  });
}

/** Record that the person was notified of these questions (the daemon's notifier dedup survives restarts). */
export function markQuestionsNotified(store: Store, ids: readonly string[]): void {
  if (ids.length === 0) return;
  store.write(() => {
    const now = store.now();
    for (const id of ids) {
      const b = store.getRow(id);
      if (b && isQuestion(b)) store.save({ ...b, fields: { ...b.fields, notified_at: now } });
    }
  });
}

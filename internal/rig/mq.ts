import { dirname, join } from 'node:path';
import { z } from 'zod';
import { GtError, InvalidInputError } from '../errors.js';
import { describeIssues } from '../config/load.js';
import { tryLockExclusive } from '../fsx/flock.js';
import { AGENT_NAME_RE } from '../names.js';
import { beadIdSchema } from '../ledger/schema.js';
import { withLedger } from '../ledger/ledger.js';
import type { TownLayout } from '../town/layout.js';
import { git, identityConfig, mainBranch, refExists } from './git.js';
import { mergeBranch, type MergeOutcome } from './merge.js';
import { MQ_LABEL, queueEntries, toMqEntry, type MqEntry, type MqStatus } from './mq-store.js';
import { readRigs, requireRig } from './registry.js';
import { polecatBranch } from './worktree.js';

export { MQ_LABEL, MQ_STATUSES, type MqEntry, type MqStatus } from './mq-store.js';

/** A branch name as git accepts it and as it is safe to pass on: no option look-alike, no "..". */
const branchSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$/, 'expected a branch name like "polecat/toast"')
  .refine((b) => !b.includes('..') && !b.endsWith('/') && !b.endsWith('.lock') && !b.includes('//'), 'not a valid branch name');

export const submitSchema = z
  .object({
    polecat: z.string().regex(AGENT_NAME_RE, 'expected a polecat name (letters, digits, "-" or "_")'),
    /** Defaults to `polecat/<polecat>`. */
    branch: branchSchema.optional(),
    bead: beadIdSchema,
  })
  .strict();
export type SubmitInput = z.input<typeof submitSchema>;

function parseSubmit(input: SubmitInput): z.output<typeof submitSchema> {
  const r = submitSchema.safeParse(input);
  if (!r.success) {
    const { key, problem } = describeIssues(r.error);
    throw new InvalidInputError(`merge queue entry: ${key ? `${key}: ` : ''}${problem}`);
  }
  return r.data;
}

/**
 * Queue `branch` (default `polecat/<polecat>`) for merging into the rig's main branch. The branch
 * must exist in the rig's clone. Submitting a branch that is already queued returns that entry
 * (check and insert are one ledger transaction), so a retried `gt done` queues it once.
 */
export async function submit(layout: TownLayout, rig: string, input: SubmitInput): Promise<MqEntry> {
  const v = parseSubmit(input);
  const { prefix } = requireRig(readRigs(layout), rig);
  const branch = v.branch ?? polecatBranch(v.polecat);
  if (!(await refExists(git(layout.rigClone(rig)), `refs/heads/${branch}`))) {
    throw new GtError('NOT_FOUND', `branch ${branch} does not exist in rig ${rig}`, { hint: 'commit the work on the branch first' });
  }
  return withLedger(layout, (l) =>
    l.write(() => {
      const queued = queueEntries(l, { rig, prefix, status: 'queued' }).find((e) => e.branch === branch);
      if (queued) return queued;
      const bead = l.createBead({
        prefix,
        type: 'task',
        title: `merge ${branch} (${v.bead})`,
        description: `Merge queue entry: ${rig}/polecats/${v.polecat} asks the refinery to merge ${branch} (work bead ${v.bead}).`,
        assignee: `${rig}/refinery`,
        labels: [MQ_LABEL],
        fields: { rig, branch, polecat: v.polecat, source_bead: v.bead, status: 'queued' satisfies MqStatus },
      });
      return toMqEntry(bead);
    }),
  );
}

/** Queue entries, oldest first: one rig's (registered) or every rig's. */
export function listQueue(layout: TownLayout, rig?: string, opts: { status?: MqStatus } = {}): MqEntry[] {
  // The registry is read even for "every rig": a broken mayor/rigs.json is reported, not hidden.
  const rigs = readRigs(layout);
  const prefix = rig === undefined ? undefined : requireRig(rigs, rig).prefix;
  return withLedger(layout, (l) => queueEntries(l, { rig, prefix, status: opts.status }));
}

export interface ProcessedEntry {
  id: string;
  branch: string;
  polecat: string;
  source_bead: string;
  status: Exclude<MqStatus, 'queued'>;
  /** Main's commit after a merge. */
  commit?: string;
  conflict_files?: string[];
  error?: string;
  /** The MERGE_CONFLICT / MERGE_FAILED mail sent to the witness. */
  mail?: string;
}

export interface ProcessResult {
  rig: string;
  main_branch: string;
  processed: ProcessedEntry[];
}

export function conflictSubject(rig: string, polecat: string, branch: string): string {
  return `MERGE_CONFLICT: ${rig}/${polecat} ${branch}`;
}
export function failedSubject(rig: string, polecat: string, branch: string): string {
  return `MERGE_FAILED: ${rig}/${polecat} ${branch}`;
}

function mailBody(rig: string, main: string, e: MqEntry, o: Exclude<MergeOutcome, { status: 'merged' }>): string {
  const lines = [
    o.status === 'conflict'
      ? `The refinery could not merge ${e.branch} into ${main}: it conflicts. ${main} was left unchanged.`
      : `The refinery could not merge ${e.branch} into ${main}: ${o.error}. ${main} was left unchanged.`,
    '',
    `bead: ${e.source_bead}`,
    `branch: ${e.branch}`,
    `polecat: ${rig}/polecats/${e.polecat}`,
    `${main}: ${o.main}`,
    `queue entry: ${e.id}`,
  ];
  if (o.status === 'conflict') lines.push('conflicting files:', ...o.files.map((f) => `  ${f}`));
  lines.push('', `Fix: rebase ${e.branch} onto ${main}, resolve, commit, and submit it again.`);
  return lines.join('\n');
}

/**
 * The refinery's job: merge each queued entry of the rig, oldest first (see merge.ts for how main
 * is kept untouched on a conflict). Each entry's new status and, for a conflict or failure, the
 * mail to `<rig>/witness` are written in ONE ledger transaction, so the witness hears of each
 * conflict exactly once. One processor per rig at a time (flock on `<rig>/refinery/mq.lock`).
 */
export async function processQueue(layout: TownLayout, rig: string): Promise<ProcessResult> {
  const { prefix } = requireRig(readRigs(layout), rig);
  const clone = layout.rigClone(rig);
  const refinery = layout.refineryWorktree(rig);
  const lock = tryLockExclusive(join(dirname(refinery), 'mq.lock'));
  if (!lock) throw new GtError('LOCK_HELD', `the merge queue of rig ${rig} is being processed by another gt`, { hint: 'wait for it to finish' });
  try {
    const main = await mainBranch(clone);
    const config = await identityConfig(clone, 'gt refinery', `${rig}-refinery@gt.invalid`);
    const queued = withLedger(layout, (l) => queueEntries(l, { rig, prefix, status: 'queued' }));
    const processed: ProcessedEntry[] = [];
    for (const e of queued) {
      const o = await mergeBranch({ clone, refinery, main, branch: e.branch, message: `Merge ${e.branch} (${e.source_bead}) into ${main}`, config });
      processed.push(record(layout, rig, main, e, o));
    }
    return { rig, main_branch: main, processed };
  } finally {
    lock.release();
  }
}

function record(layout: TownLayout, rig: string, main: string, e: MqEntry, o: MergeOutcome): ProcessedEntry {
  const base = { id: e.id, branch: e.branch, polecat: e.polecat, source_bead: e.source_bead };
  return withLedger(layout, (l) =>
    l.write(() => {
      if (o.status === 'merged') {
        l.updateBead(e.id, { status: 'closed', fields: { status: 'merged', merged_commit: o.commit } });
        return { ...base, status: 'merged' as const, commit: o.commit };
      }
      const fields = o.status === 'conflict' ? { status: 'conflict', conflict_files: o.files } : { status: 'failed', error: o.error };
      l.updateBead(e.id, { status: 'closed', fields });
      const subject = o.status === 'conflict' ? conflictSubject(rig, e.polecat, e.branch) : failedSubject(rig, e.polecat, e.branch);
      const mail = l.sendMail({ from: `${rig}/refinery`, to: `${rig}/witness`, subject, body: mailBody(rig, main, e, o) });
      return o.status === 'conflict'
        ? { ...base, status: 'conflict' as const, conflict_files: o.files, mail: mail.id }
        : { ...base, status: 'failed' as const, error: o.error, mail: mail.id };
    }),
  );
}

import { z } from 'zod';
import { loadStateFile, saveStateFile, type Loaded } from '../policy/persist.js';

/**
 * daemon/jobs.json: what the scheduler remembers about each job across daemon restarts (written
 * atomically after every change): when it was first scheduled and last due (to tell a missed run
 * after downtime), the last run's outcome, and counters. `gt daemon jobs` reads it.
 */

const isoTime = z.iso.datetime({ offset: true });

export const lastRunSchema = z
  .object({
    trigger: z.enum(['schedule', 'catch-up']),
    /** The cron fire time this run answered (ISO). */
    scheduled_for: isoTime,
    started_at: isoTime,
    ended_at: isoTime.nullable(),
    exit_code: z.number().int().nullable(),
    signal: z.string().nullable(),
    timed_out: z.boolean(),
    aborted: z.boolean(),
    duration_ms: z.number().nonnegative().nullable(),
    output_tail: z.string().max(16_384),
    error: z.string().optional(),
  })
  .strict();
export type LastRun = z.output<typeof lastRunSchema>;

export const jobRecordSchema = z
  .object({
    /** When the daemon first scheduled this job (epoch ms): the reference for missed runs before any run. */
    since: z.number().nonnegative(),
    /** The last fire time that was due (run or skipped), epoch ms. */
    last_due: z.number().nonnegative().nullable(),
    last_run: lastRunSchema.nullable(),
    /** Set while a run is in flight. */
    running: z.object({ pid: z.number().int().positive().nullable(), started_at: isoTime }).strict().nullable(),
    next_run: isoTime.nullable(),
    runs: z.number().int().nonnegative(),
    failures: z.number().int().nonnegative(),
    skipped_overlap: z.number().int().nonnegative(),
    skipped_gate: z.number().int().nonnegative(),
  })
  .strict();
export type JobRecord = z.output<typeof jobRecordSchema>;

export const jobsStateSchema = z
  .object({
    version: z.literal(1),
    jobs: z.record(z.string().min(1), jobRecordSchema),
  })
  .strict();
export type JobsState = z.output<typeof jobsStateSchema>;

export const JOBS_STATE_LABEL = 'daemon/jobs.json';

export function emptyJobsState(): JobsState {
  return { version: 1, jobs: {} };
}

export function newJobRecord(now: number): JobRecord {
  return { since: now, last_due: null, last_run: null, running: null, next_run: null, runs: 0, failures: 0, skipped_overlap: 0, skipped_gate: 0 };
}

export function loadJobsState(path: string): Loaded<JobsState> {
  return loadStateFile(path, jobsStateSchema, JOBS_STATE_LABEL, emptyJobsState);
}

export function saveJobsState(path: string, state: JobsState): void {
  saveStateFile(path, jobsStateSchema, state);
}

/** A run succeeded when it exited 0 on its own. */
export function runSucceeded(r: LastRun): boolean {
  return r.exit_code === 0 && !r.timed_out && !r.aborted && r.error === undefined;
}

/** "exit 0", "exit 3", "timed out (SIGTERM)", "killed by SIGKILL", "could not start: ...". */
export function describeOutcome(r: Pick<LastRun, 'exit_code' | 'signal' | 'timed_out' | 'aborted' | 'error'>): string {
  if (r.error !== undefined) return `could not start: ${r.error}`;
  const how = r.exit_code !== null ? `exit ${r.exit_code}` : `killed by ${r.signal ?? 'a signal'}`;
  if (r.timed_out) return `timed out (${how})`;
  if (r.aborted) return `stopped with the daemon (${how})`;
  return how;
}

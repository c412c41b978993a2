import { z } from 'zod';
import { readJsonFile } from '../config/load.js';
import { writeJsonAtomicSync } from '../fsx/atomic.js';

/** daemon/state.json: what the daemon last said about itself. Written atomically. */
export const daemonStateSchema = z.object({
  running: z.boolean(),
  pid: z.number().int().positive(),
  started_at: z.string(),
  stopped_at: z.string().nullable().optional(),
  tick_count: z.number().int().min(0),
  last_tick: z.string().nullable(),
  next_tick: z.string().nullable(),
  /** Why the daemon wakes then: a deadline decide reported ("deacon backoff ends") or "interval". */
  next_tick_reason: z.string().nullable().optional(),
  /** When the interval tick (the safety net) is due, whatever wakes the daemon before it. */
  next_interval_tick: z.string().nullable().optional(),
  last_tick_ms: z.number().nullable(),
  recovery_interval_ms: z.number(),
  last_tick_actions: z.record(z.string(), z.number()).optional(),
  /** Set while the ledger is unusable and the daemon runs in degraded mode (engine/ledger-health.ts). */
  degraded: z.object({ problem: z.string(), message: z.string(), since: z.string(), last_good: z.string().nullable() }).nullable().optional(),
});
export type DaemonState = z.output<typeof daemonStateSchema>;

export function writeDaemonState(path: string, state: DaemonState): void {
  writeJsonAtomicSync(path, state);
}

/** The last state written, or undefined if there is none. Throws ConfigError if corrupt. */
export function readDaemonState(path: string): DaemonState | undefined {
  return readJsonFile(path, daemonStateSchema.optional(), { kind: 'state', label: 'daemon/state.json', ifMissing: undefined });
}

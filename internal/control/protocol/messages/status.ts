import type { MethodSpec } from '../method.js';

/** The daemon's own account of itself (`gt daemon status`). */
export interface StatusResult {
  running: true;
  pid: number;
  nonce: string;
  town: string;
  started_at: string;
  uptime_ms: number;
  tick_count: number;
  last_tick: string | null;
  next_tick: string | null;
  /** Why the daemon wakes at next_tick: a decision's deadline ("deacon backoff ends") or "interval". */
  next_tick_reason?: string | null;
  last_tick_ms: number | null;
  recovery_interval_ms: number;
  log_path: string;
  last_tick_actions?: Record<string, number>;
  /** An emergency stop the daemon holds in memory (the ESTOP file could not be written), or null. */
  estop_held?: { since: string; reason?: string; file_error: string } | null;
  /** Set while the ledger is unusable and the daemon runs in degraded mode. */
  degraded?: { problem: string; message: string; since: string; last_good: string | null } | null;
}

const strOrNull = (v: unknown) => v === null || typeof v === 'string';
const numOrNull = (v: unknown) => v === null || typeof v === 'number';

export function isStatusResult(x: unknown): x is StatusResult {
  const r = x as StatusResult;
  return (
    !!r &&
    typeof r === 'object' &&
    r.running === true &&
    Number.isInteger(r.pid) &&
    typeof r.nonce === 'string' &&
    typeof r.town === 'string' &&
    typeof r.started_at === 'string' &&
    typeof r.uptime_ms === 'number' &&
    Number.isInteger(r.tick_count) &&
    strOrNull(r.last_tick) &&
    strOrNull(r.next_tick) &&
    (r.next_tick_reason === undefined || strOrNull(r.next_tick_reason)) &&
    numOrNull(r.last_tick_ms) &&
    typeof r.recovery_interval_ms === 'number' &&
    typeof r.log_path === 'string' &&
    (r.last_tick_actions === undefined || (typeof r.last_tick_actions === 'object' && r.last_tick_actions !== null)) &&
    (r.estop_held === undefined || r.estop_held === null || (typeof r.estop_held === 'object' && typeof r.estop_held.since === 'string'))
  );
}

export const STATUS: MethodSpec<'status', undefined, StatusResult> = { name: 'status', isResult: isStatusResult };

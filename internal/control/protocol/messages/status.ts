export const STATUS = 'status' as const;

export interface StatusRequest {
  method: typeof STATUS;
}

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
  /** Set while the ledger is unusable and the daemon runs in degraded mode. */
  degraded?: { problem: string; message: string; since: string; last_good: string | null } | null;
}

export function isStatusRequest(m: { method: string }): m is StatusRequest {
  return m.method === STATUS;
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
    (r.last_tick_actions === undefined || (typeof r.last_tick_actions === 'object' && r.last_tick_actions !== null))
  );
}

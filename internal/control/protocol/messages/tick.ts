import type { MethodSpec } from '../method.js';

/** Ask for a tick now; answers once a tick that started after the request has finished. */
export interface TickParams {
  reason?: string;
}

export interface TickResult {
  tick_count: number;
  last_tick_ms: number;
  /** Present when the tick did not run to its end: why (the daemon logged it too). */
  failed?: string;
}

export function isTickResult(x: unknown): x is TickResult {
  const r = x as TickResult;
  return !!r && typeof r === 'object' && Number.isInteger(r.tick_count) && typeof r.last_tick_ms === 'number' && (r.failed === undefined || typeof r.failed === 'string');
}

export const TICK: MethodSpec<'tick', TickParams | undefined, TickResult> = { name: 'tick', isResult: isTickResult };

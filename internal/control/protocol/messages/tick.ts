/** Ask for a tick now; answers once a tick that started after the request has finished. */
export const TICK = 'tick' as const;

export interface TickParams {
  reason?: string;
}

export interface TickRequest {
  method: typeof TICK;
  params?: TickParams;
}

export interface TickResult {
  tick_count: number;
  last_tick_ms: number;
}

export function isTickRequest(m: { method: string }): m is TickRequest {
  return m.method === TICK;
}

export function isTickResult(x: unknown): x is TickResult {
  const r = x as TickResult;
  return !!r && typeof r === 'object' && Number.isInteger(r.tick_count) && typeof r.last_tick_ms === 'number';
}

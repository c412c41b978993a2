import { z } from 'zod';

/** Ask for a tick now; answers once a tick that started after the request has finished. */
export const TICK = 'tick' as const;

export const tickParamsSchema = z.object({ reason: z.string().max(200).optional() }).strict().optional();
export const tickResultSchema = z.object({ tick_count: z.number().int(), last_tick_ms: z.number() });
export type TickResult = z.output<typeof tickResultSchema>;

export interface TickRequest {
  method: typeof TICK;
  params?: z.output<typeof tickParamsSchema>;
}
export function isTickRequest(m: { method: string }): m is TickRequest {
  return m.method === TICK;
}

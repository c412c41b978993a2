import { z } from 'zod';

export const STATUS = 'status' as const;

export const statusResultSchema = z.object({
  running: z.literal(true),
  pid: z.number().int().positive(),
  nonce: z.string(),
  town: z.string(),
  started_at: z.string(),
  uptime_ms: z.number(),
  tick_count: z.number().int(),
  last_tick: z.string().nullable(),
  next_tick: z.string().nullable(),
  last_tick_ms: z.number().nullable(),
  recovery_interval_ms: z.number(),
  log_path: z.string(),
  last_tick_actions: z.record(z.string(), z.number()).optional(),
});
export type StatusResult = z.output<typeof statusResultSchema>;

export interface StatusRequest {
  method: typeof STATUS;
}
export function isStatusRequest(m: { method: string }): m is StatusRequest {
  return m.method === STATUS;
}

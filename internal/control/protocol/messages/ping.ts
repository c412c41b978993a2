import { z } from 'zod';

/** "Is the daemon there, and which one?" Healthy means this answers. */
export const PING = 'ping' as const;

export const pingResultSchema = z.object({
  pid: z.number().int().positive(),
  nonce: z.string().min(8),
  town: z.string(),
  version: z.string(),
});
export type PingResult = z.output<typeof pingResultSchema>;

export interface PingRequest {
  method: typeof PING;
}
export function isPingRequest(m: { method: string }): m is PingRequest {
  return m.method === PING;
}

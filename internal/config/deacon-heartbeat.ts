import { z } from 'zod';
import { readJsonFile } from './load.js';
import { writeJsonAtomicSync } from '../fsx/atomic.js';

/** deacon/heartbeat.json: the deacon's patrol says it is alive and how far it got. */
export const deaconHeartbeatSchema = z.object({
  timestamp: z.iso.datetime({ offset: true }),
  cycle: z.number().int().min(0),
  last_action: z.string().max(500).optional(),
});
export type DeaconHeartbeat = z.output<typeof deaconHeartbeatSchema>;

export function readDeaconHeartbeat(path: string): DeaconHeartbeat | undefined {
  return readJsonFile(path, deaconHeartbeatSchema.optional(), { kind: 'heartbeat', label: 'deacon/heartbeat.json', ifMissing: undefined });
}

/** Next cycle: one more than the last readable one (a corrupt file restarts the count). */
export function writeDeaconHeartbeat(path: string, lastAction: string | undefined, now = new Date()): DeaconHeartbeat {
  let cycle = 0;
  try {
    cycle = (readDeaconHeartbeat(path)?.cycle ?? -1) + 1;
  } catch {
    cycle = 0;
  }
  const hb: DeaconHeartbeat = { timestamp: now.toISOString(), cycle, ...(lastAction ? { last_action: lastAction } : {}) };
  writeJsonAtomicSync(path, hb);
  return hb;
}

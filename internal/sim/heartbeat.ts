import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { writeJsonAtomicSync } from '../fsx/atomic.js';

/**
 * `.runtime/heartbeats/<session>.json`: an agent's proof of progress (design section 3).
 * `timestamp`, `state` and `bead` are the contract; the rest is extra detail readers may use
 * (the sim records its pid and, with GT_SIM_SETSID_CHILD, the escaped child's pid). Readers
 * parse with this schema, which keeps unknown keys so newer writers stay readable.
 */
export const heartbeatFileSchema = z.looseObject({
  timestamp: z.iso.datetime({ offset: true }),
  state: z.string().min(1),
  bead: z.string().optional(),
  pid: z.number().int().positive().optional(),
  child_pid: z.number().int().positive().optional(),
});

export type HeartbeatFile = z.output<typeof heartbeatFileSchema>;

export function writeHeartbeatFile(path: string, hb: HeartbeatFile): void {
  mkdirSync(dirname(path), { recursive: true });
  writeJsonAtomicSync(path, hb);
}

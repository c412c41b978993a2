import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { writeJsonAtomicSync } from '../fsx/atomic.js';
import { readJsonFile } from './load.js';

/**
 * `.runtime/heartbeats/<session>.json`: an agent's proof of progress (design section 3).
 * `timestamp`, `state` and `bead` are the contract; the rest is extra detail readers may use
 * (the sim records its pid and, with GT_SIM_SETSID_CHILD, the escaped child's pid). The schema
 * keeps unknown keys so newer writers stay readable. Every writer and reader uses this one.
 */
export const heartbeatFileSchema = z.looseObject({
  timestamp: z.iso.datetime({ offset: true }),
  state: z.string().min(1),
  bead: z.string().min(1).optional(),
  pid: z.number().int().positive().optional(),
  child_pid: z.number().int().positive().optional(),
});

export type HeartbeatFile = z.output<typeof heartbeatFileSchema>;

export function writeHeartbeatFileAt(path: string, hb: HeartbeatFile): void {
  mkdirSync(dirname(path), { recursive: true });
  writeJsonAtomicSync(path, heartbeatFileSchema.parse(hb));
}

/** The file's content; undefined when missing; ConfigError when corrupt. */
export function readHeartbeatFileAt(path: string, label: string): HeartbeatFile | undefined {
  return readJsonFile(path, heartbeatFileSchema.optional(), { label, ifMissing: undefined });
}

import { mkdirSync } from 'node:fs';
import { z } from 'zod';
import { writeJsonAtomicSync } from '../fsx/atomic.js';
import { readJsonFile } from '../config/load.js';
import type { TownLayout } from '../town/layout.js';

/** `.runtime/heartbeats/<session>.json`: an agent's proof of progress (design section 3). */
export const heartbeatFileSchema = z
  .object({
    timestamp: z.iso.datetime({ offset: true }),
    state: z.string().min(1),
    bead: z.string().min(1).optional(),
  })
  .strict();
export type HeartbeatFile = z.output<typeof heartbeatFileSchema>;

export function writeHeartbeatFile(layout: Pick<TownLayout, 'heartbeatsDir' | 'heartbeatFile'>, session: string, hb: HeartbeatFile): string {
  const path = layout.heartbeatFile(session);
  mkdirSync(layout.heartbeatsDir, { recursive: true });
  writeJsonAtomicSync(path, heartbeatFileSchema.parse(hb));
  return path;
}

export function readHeartbeatFile(layout: Pick<TownLayout, 'heartbeatFile'>, session: string): HeartbeatFile | undefined {
  return readJsonFile(layout.heartbeatFile(session), heartbeatFileSchema.optional(), {
    label: `.runtime/heartbeats/${session}.json`,
    ifMissing: undefined,
  });
}

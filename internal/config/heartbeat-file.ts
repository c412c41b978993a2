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
  /** When the current state began (the CLI hook script and gt commands keep it while the state holds). */
  since: z.iso.datetime({ offset: true }).optional(),
  /** The hook event that wrote it (SessionStart, PostToolUse, Stop, ...), when a CLI hook did. */
  event: z.string().optional(),
  /** Why `blocked`: permission, question, login, usage-limit, ... */
  reason: z.string().optional(),
  /** The runtime whose hook wrote it (claude, codex, ...). */
  runtime: z.string().optional(),
  /** The API error that ended the agent's last turn, and the message it showed. */
  error: z.string().optional(),
  message: z.string().optional(),
});

export type HeartbeatFile = z.output<typeof heartbeatFileSchema>;


export function writeHeartbeatFileAt(path: string, hb: HeartbeatFile): void {
  mkdirSync(dirname(path), { recursive: true });
  writeJsonAtomicSync(path, heartbeatFileSchema.parse(hb));
}

/** The file's content; undefined when missing; ConfigError when corrupt. */
export function readHeartbeatFileAt(path: string, label: string): HeartbeatFile | undefined {
  return readJsonFile(path, heartbeatFileSchema.optional(), { kind: 'heartbeat', label, ifMissing: undefined });
}

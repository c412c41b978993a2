import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { z } from 'zod';
import { readJsonFile } from '../../config/load.js';
import { messageOf } from '../../errors.js';
import { writeJsonAtomicSync } from '../../fsx/atomic.js';

/**
 * The daemon's own state files (restart and notification state). Losing them only costs some
 * history, while refusing to start would leave every agent unsupervised, so a missing, unreadable
 * or corrupt file loads as empty and the caller logs the returned warning once.
 */

export interface Loaded<T> {
  state: T;
  /** Set when the file existed but could not be used; log it once and keep running. */
  warning?: string;
}

export function loadStateFile<S extends z.ZodType>(path: string, schema: S, label: string, empty: () => z.output<S>): Loaded<z.output<S>> {
  try {
    return { state: readJsonFile(path, schema, { kind: 'state', label, ifMissing: empty() }) };
  } catch (e) {
    // readJsonFile's ConfigError already names the file and the problem.
    return { state: empty(), warning: `${messageOf(e)}; starting with an empty ${label}` };
  }
}

/** Validate before writing so a bug can never persist a file the next load would reject. */
export function saveStateFile<S extends z.ZodType>(path: string, schema: S, state: z.input<S>): void {
  const value = schema.parse(state);
  mkdirSync(dirname(path), { recursive: true });
  writeJsonAtomicSync(path, value);
}

import type { MethodSpec } from '../method.js';

/**
 * The emergency controls over the control socket, so they work on a sick disk: `gt estop` tells
 * the daemon, which holds the stop in memory while <town>/ESTOP cannot be written (and writes
 * the file as soon as it can); `gt thaw` ends it in memory and removes the file.
 */
export interface EstopParams {
  reason?: string;
  /** Who asked (user and pid), recorded with the stop. */
  by?: string;
}

export interface EstopResult {
  /** <town>/ESTOP exists now. */
  file: boolean;
  /** The daemon holds the stop in memory (the file could not be written). */
  held: boolean;
  /** Why the file could not be written, when it could not. */
  file_error: string | null;
  pid: number;
}

export function isEstopResult(x: unknown): x is EstopResult {
  const r = x as EstopResult;
  return (
    !!r &&
    typeof r === 'object' &&
    typeof r.file === 'boolean' &&
    typeof r.held === 'boolean' &&
    (r.file_error === null || typeof r.file_error === 'string') &&
    Number.isInteger(r.pid)
  );
}

export const ESTOP: MethodSpec<'estop', EstopParams, EstopResult> = { name: 'estop', isResult: isEstopResult };

export interface ThawResult {
  /** The daemon held a stop in memory, and no longer does. */
  was_held: boolean;
  /** <town>/ESTOP still exists (it could not be removed). */
  file: boolean;
  file_error: string | null;
  pid: number;
}

export function isThawResult(x: unknown): x is ThawResult {
  const r = x as ThawResult;
  return (
    !!r &&
    typeof r === 'object' &&
    typeof r.was_held === 'boolean' &&
    typeof r.file === 'boolean' &&
    (r.file_error === null || typeof r.file_error === 'string') &&
    Number.isInteger(r.pid)
  );
}

export const THAW: MethodSpec<'thaw', undefined, ThawResult> = { name: 'thaw', isResult: isThawResult };

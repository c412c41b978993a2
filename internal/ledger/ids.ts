import { randomInt } from 'node:crypto';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/** A short random base36 string; 5 characters give 60M values, collisions are retried by callers. */
export function randomBase36(length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += ALPHABET[randomInt(36)];
  return s;
}

/** Candidate ids for attempt 0, 1, 2...: a little longer every few attempts, so a crowded prefix still converges. */
export function workBeadId(prefix: string, attempt: number): string {
  return `${prefix}-${randomBase36(5 + Math.floor(attempt / 3))}`;
}

/** Message ids live in their own namespace so they never take an agent bead's `hq-<role>` id. */
export const MESSAGE_PREFIX = 'msg';

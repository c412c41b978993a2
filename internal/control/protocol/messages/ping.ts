import type { MethodSpec } from '../method.js';

/** "Is the daemon there, and which one?" Healthy means this answers. */
export interface PingResult {
  pid: number;
  nonce: string;
  town: string;
  version: string;
}

// Answers are checked with plain guards, not zod: `gt daemon status` and `gt daemon pid` must
// start near bare-node speed, and importing zod alone costs ~50 ms here.
export function isPingResult(x: unknown): x is PingResult {
  const r = x as PingResult;
  return (
    !!r &&
    typeof r === 'object' &&
    Number.isInteger(r.pid) &&
    r.pid > 0 &&
    typeof r.nonce === 'string' &&
    r.nonce.length >= 8 &&
    typeof r.town === 'string' &&
    typeof r.version === 'string'
  );
}

export const PING: MethodSpec<'ping', undefined, PingResult> = { name: 'ping', isResult: isPingResult };

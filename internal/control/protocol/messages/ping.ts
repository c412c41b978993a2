/** "Is the daemon there, and which one?" Healthy means this answers. */
export const PING = 'ping' as const;

export interface PingRequest {
  method: typeof PING;
}

export interface PingResult {
  pid: number;
  nonce: string;
  town: string;
  version: string;
}

export function isPingRequest(m: { method: string }): m is PingRequest {
  return m.method === PING;
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

import { killSession, snapshot, type Tmux } from '../tmux/index.js';

export interface StopSessionsResult {
  sessions: string[];
  /** Processes signalled across all sessions. */
  processes: number;
  /** Sessions still present afterwards (or every name, if tmux could not be asked). */
  remaining: string[];
}

/**
 * Kill every session on the town's tmux server with its process tree. The server belongs to the
 * town (its socket name is derived from the town path), so every session on it is the town's.
 */
export async function stopAllSessions(tmux: Tmux, opts: { graceMs?: number; exclude?: number[] } = {}): Promise<StopSessionsResult> {
  const stopped = new Set<string>();
  let processes = 0;
  // Twice at most: a session that appeared while we worked (started before the lock) is caught too.
  for (let round = 0; round < 2; round++) {
    const snap = await snapshot(tmux);
    if (!snap.ok) return { sessions: [...stopped], processes, remaining: [`(tmux could not be asked: ${snap.error.message})`] };
    if (snap.sessions.length === 0) break;
    const results = await Promise.all(
      snap.sessions.map(async (s) => {
        const r = await killSession(tmux, s.name, { graceMs: opts.graceMs, exclude: opts.exclude });
        return { name: s.name, n: r.terminated.length };
      }),
    );
    for (const r of results) {
      stopped.add(r.name);
      processes += r.n;
    }
  }
  const after = await snapshot(tmux);
  const remaining = after.ok ? after.sessions.map((s) => s.name) : ['(tmux could not be asked)'];
  return { sessions: [...stopped].sort(), processes, remaining };
}

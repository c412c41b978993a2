import { lockExclusive } from '../fsx/flock.js';
import { GtError, NotRunningError } from '../errors.js';
import { Tmux, killServer, townSocketName } from '../tmux/index.js';
import { stopAllSessions } from '../session/stop.js';
import { townLayout } from '../town/layout.js';
import { stopDaemon } from './stop.js';

export interface DownResult {
  sessions: string[];
  processes: number;
  daemon: number | null;
  remaining: string[];
}

/**
 * `gt down`: with daemon/shutdown.lock held (the daemon starts, kills and nudges nothing while it
 * is held), stop every session of the town with its process tree, then the daemon, then check.
 */
export async function townDown(town: string): Promise<DownResult> {
  const layout = townLayout(town);
  const lock = await lockExclusive(layout.shutdownLock, 60_000);
  if (!lock) throw new GtError('LOCK_HELD', 'another gt down holds daemon/shutdown.lock', { hint: 'wait for it to finish' });
  try {
    const tmux = new Tmux(townSocketName(town));
    const sessions = await stopAllSessions(tmux);
    let daemon: number | null = null;
    try {
      daemon = (await stopDaemon(layout)).pid;
    } catch (e) {
      if (!(e instanceof NotRunningError)) throw e;
    }
    // With the daemon gone nothing can start a session any more: one last sweep catches a start
    // that was already under way when we took the lock.
    const sweep = await stopAllSessions(tmux);
    // The town's server is kept alive while empty (for the fast path); with nothing left to run,
    // it goes too. Only this town's server: its socket name is derived from the town path.
    if (sweep.remaining.length === 0) await killServer(tmux).catch(() => undefined);
    const all = [...new Set([...sessions.sessions, ...sweep.sessions])].sort();
    return { sessions: all, processes: sessions.processes + sweep.processes, daemon, remaining: sweep.remaining };
  } finally {
    lock.release();
  }
}

import { lockExclusive } from '../fsx/flock.js';
import { GtError, NotRunningError } from '../errors.js';
import { Tmux, killServer, townSocketName } from '../tmux/index.js';
import { stopAllSessions } from '../session/stop.js';
import { townLayout } from '../town/layout.js';
import { stopDaemon } from './stop.js';
import { loadRestartState, saveRestartState, stopAll } from './policy/index.js';

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
    await recordStops(layout);
    const all = [...new Set([...sessions.sessions, ...sweep.sessions])].sort();
    return { sessions: all, processes: sessions.processes + sweep.processes, daemon, remaining: sweep.remaining };
  } finally {
    lock.release();
  }
}

/**
 * Every run gt down ended was ended on purpose: recorded as such in the restart tracker, so the
 * next daemon (gt up) takes them for stops, not crashes, and starts the agents as first starts.
 * Under the restart-state lock (the daemon is stopped by now, but `gt daemon clear-backoff` may run).
 */
async function recordStops(layout: ReturnType<typeof townLayout>): Promise<void> {
  const lock = await lockExclusive(layout.restartStateLock, 30_000);
  if (!lock) throw new GtError('LOCK_HELD', 'daemon/restart_state.json stayed locked for 30s; the stopped agents may count as crashes', { hint: 'gt daemon clear-backoff --all' });
  try {
    const loaded = loadRestartState(layout.restartState);
    // Unreadable: nothing to record into; the next daemon starts with an empty tracker anyway.
    if (loaded.warning || !Object.values(loaded.state.agents).some((a) => a.running)) return;
    saveRestartState(layout.restartState, stopAll(loaded.state, Date.now(), 'gt down'));
  } finally {
    lock.release();
  }
}

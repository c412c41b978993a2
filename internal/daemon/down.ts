import { lockExclusive, type HeldLock } from '../fsx/flock.js';
import { GtError, NotRunningError, describeWriteError, errnoCode, messageOf } from '../errors.js';
import { Tmux, killServer, sweepTown, townSocketName } from '../tmux/index.js';
import { stopAllSessions } from '../session/stop.js';
import { townLayout, type TownLayout } from '../town/layout.js';
import { stopDaemon } from './stop.js';
import { loadRestartState, saveRestartState, stopAll } from './policy/index.js';

export interface DownResult {
  sessions: string[];
  processes: number;
  daemon: number | null;
  /** The dashboard's pid when gt down stopped it (`gt dashboard` runs beside the daemon). */
  dashboard: number | null;
  remaining: string[];
  /** What went differently from the usual order, e.g. no shutdown lock on a read-only disk. */
  notes: string[];
}

/**
 * daemon/shutdown.lock, or a reason it cannot be had on this disk (read-only, full, its
 * directory gone). Another `gt down` holding it is an error: two would race each other.
 */
async function takeShutdownLock(layout: TownLayout): Promise<HeldLock | string> {
  let lock: HeldLock | undefined;
  try {
    lock = await lockExclusive(layout.shutdownLock, 60_000);
  } catch (e) {
    const code = errnoCode(e);
    if (code === 'EROFS' || code === 'ENOSPC' || code === 'EDQUOT' || code === 'EACCES' || code === 'ENOENT') return describeWriteError(e);
    throw e;
  }
  if (!lock) throw new GtError('LOCK_HELD', 'another gt down holds daemon/shutdown.lock', { hint: 'wait for it to finish' });
  return lock;
}

async function stopDaemonIfRunning(layout: TownLayout): Promise<number | null> {
  try {
    return (await stopDaemon(layout)).pid;
  } catch (e) {
    if (e instanceof NotRunningError) return null;
    throw e;
  }
}

/** What stopping the dashboard did (internal/dashboard's stopDashboard, handed in by the CLI). */
export interface BesideStop {
  stopped: boolean;
  pid: number | null;
  forced: boolean;
  note?: string;
}

export interface DownOptions {
  /**
   * Stop the town's dashboard (it runs beside the daemon; the dashboard depends on the daemon's
   * modules, not the other way round, so the CLI hands the stop in). It may only signal the
   * process proven to be the town's dashboard.
   */
  stopDashboard?: () => Promise<BesideStop>;
}

/**
 * The dashboard, stopped first: its page can nudge agents and thaw an emergency stop, and its
 * terminals are clients of the town's tmux server. What could not be stopped is said and counted
 * as left running, never fatal to the rest of gt down.
 */
async function stopDashboardIfRunning(stop: DownOptions['stopDashboard'], notes: string[], remaining: string[]): Promise<number | null> {
  if (!stop) return null;
  try {
    const r = await stop();
    if (r.note) notes.push(r.note);
    if (r.forced) notes.push(`the dashboard (pid ${r.pid}) did not stop on SIGTERM: killed`);
    return r.stopped ? r.pid : null;
  } catch (e) {
    notes.push(`could not stop the dashboard: ${e instanceof GtError ? e.line : messageOf(e)}`);
    remaining.push('dashboard');
    return null;
  }
}

/**
 * `gt down`: with daemon/shutdown.lock held (the daemon starts, kills and nudges nothing while it
 * is held), stop the dashboard, then every session of the town with its process tree, then the daemon, then sweep
 * every process of the town that is left (a setsid child of a session that is already gone, a
 * job below the town's tmux server), then check. On a disk where the lock cannot be taken the
 * daemon is stopped first instead, so nothing restarts what is being stopped.
 */
export async function townDown(town: string, opts: DownOptions = {}): Promise<DownResult> {
  const layout = townLayout(town);
  const notes: string[] = [];
  const lock = await takeShutdownLock(layout);
  try {
    const tmux = new Tmux(townSocketName(town));
    let daemon: number | null = null;
    const dashboardLeft: string[] = [];
    const dashboard = await stopDashboardIfRunning(opts.stopDashboard, notes, dashboardLeft);
    if (typeof lock === 'string') {
      notes.push(`could not take daemon/shutdown.lock (${lock}): stopped the daemon before the sessions instead`);
      daemon = await stopDaemonIfRunning(layout);
    }
    const sessions = await stopAllSessions(tmux);
    if (typeof lock !== 'string') daemon = await stopDaemonIfRunning(layout);
    // With the daemon gone nothing can start a session any more: one last sweep catches a start
    // that was already under way when we took the lock.
    const sweep = await stopAllSessions(tmux);
    const leftovers = await sweepTown(tmux, town);
    // The town's server is kept alive while empty (for the fast path); with nothing left to run,
    // it goes too. Only this town's server: its socket name is derived from the town path.
    if (sweep.remaining.length === 0) await killServer(tmux).catch(() => undefined);
    try {
      await recordStops(layout);
    } catch (e) {
      // Everything is stopped; only the record is missing (a read-only or full disk): said, not fatal.
      notes.push(`could not record the stops in daemon/restart_state.json (${describeWriteError(e)}): the next daemon may count them as crashes (gt daemon clear-backoff --all)`);
    }
    const all = [...new Set([...sessions.sessions, ...sweep.sessions])].sort();
    return {
      sessions: all,
      processes: sessions.processes + sweep.processes + leftovers.terminated.length,
      daemon,
      dashboard,
      remaining: [...sweep.remaining, ...dashboardLeft],
      notes,
    };
  } finally {
    if (typeof lock !== 'string') lock.release();
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

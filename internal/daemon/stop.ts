import { GtError, NotRunningError } from '../errors.js';
import { readPidFile, removePidFileIfOwned } from '../fsx/pidfile.js';
import { flockHolders, processStartTime, processState } from '../fsx/proc.js';
import type { TownLayout } from '../town/layout.js';
import { probeDaemon, verifyDaemon, type Probe, type Verified } from './probe.js';
import { whyNotDaemon } from './identity.js';

export interface StopResult {
  pid: number;
  forced: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Same pid and same start time, and not a zombie: still the process we verified. */
function sameProcessAlive(pid: number, startTime: number): boolean {
  if (processStartTime(pid) !== startTime) return false;
  const st = processState(pid);
  return st !== undefined && st !== 'Z' && st !== 'X';
}

/**
 * Stop the daemon, signalling only a process proven to be it (socket answer, pid file, lock
 * holder and start time all agree). TERM, wait `graceMs`, then KILL.
 */
export async function stopDaemon(layout: TownLayout, graceMs = 10_000, answerWaitMs = 5_000): Promise<StopResult> {
  let probe: Probe = await probeDaemon(layout, 2_000);
  if (!probe.running && flockHolders(layout.daemonLock).length > 0) {
    // A daemon holds the lock but is not answering: it is starting, or wedged. Give a starting
    // daemon time to answer so the stop is not lost.
    const until = Date.now() + answerWaitMs;
    while (!probe.running && Date.now() < until && flockHolders(layout.daemonLock).length > 0) {
      await sleep(50);
      probe = await probeDaemon(layout, 500);
    }
  }
  let proof: Verified | string;
  if (probe.running) {
    proof = verifyDaemon(layout, probe);
  } else {
    const wedged = wedgedDaemon(layout);
    if (typeof wedged === 'string') throw new NotRunningError(wedged);
    proof = wedged;
  }
  if (typeof proof === 'string') {
    throw new GtError('DAEMON_STOP_FAILED', `refusing to signal pid ${probe.running ? probe.pid : '?'}: ${proof}`);
  }
  const { pid, startTime } = proof;
  process.kill(pid, 'SIGTERM');
  let deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!sameProcessAlive(pid, startTime)) {
      tidyPidFile(layout, proof);
      return { pid, forced: false };
    }
    await sleep(50);
  }
  if (sameProcessAlive(pid, startTime)) process.kill(pid, 'SIGKILL');
  deadline = Date.now() + 5_000;
  while (sameProcessAlive(pid, startTime)) {
    if (Date.now() > deadline) throw new GtError('DAEMON_STOP_FAILED', `pid ${pid} survived SIGKILL`);
    await sleep(50);
  }
  tidyPidFile(layout, proof);
  return { pid, forced: true };
}

/** The daemon removes its own pid file; after a KILL (or when it could not) we do. Best effort. */
function tidyPidFile(layout: TownLayout, rec: Verified): void {
  try {
    removePidFileIfOwned(layout.daemonPid, rec);
  } catch {
    // A read-only or full disk: the lock, not the pid file, says no daemon runs, and the next
    // daemon replaces the file.
  }
}

/**
 * A daemon that holds the lock but does not answer (stopped, or stuck in a tick). Holding
 * daemon.lock is not proof by itself (any process can flock the file): the pid file must name
 * the holder, and the holder must be a gt daemon of this town by its command line and start
 * time. Anything else is left alone, with the reason.
 */
function wedgedDaemon(layout: TownLayout): Verified | string {
  const holders = flockHolders(layout.daemonLock);
  if (holders.length === 0) return 'daemon is not running';
  const rec = readPidFile(layout.daemonPid);
  const holder = holders.join(', ');
  if (holders.length !== 1 || !rec || rec.pid !== holders[0]) {
    return `daemon is not running (daemon/daemon.lock is held by pid ${holder}, which daemon/daemon.pid does not name; left alone)`;
  }
  const notDaemon = whyNotDaemon(rec.pid, layout);
  if (notDaemon) return `daemon is not running (daemon/daemon.lock is held by ${notDaemon}; left alone)`;
  const startTime = processStartTime(rec.pid);
  if (startTime === undefined) return 'daemon is not running';
  return { ...rec, startTime };
}

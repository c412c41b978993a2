import { GtError, NotRunningError } from '../errors.js';
import { removePidFileIfOwned } from '../fsx/pidfile.js';
import { flockHolders, processStartTime, processState } from '../fsx/proc.js';
import type { TownLayout } from '../town/layout.js';
import { probeDaemon, verifyDaemon, type Probe } from './probe.js';

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
export async function stopDaemon(layout: TownLayout, graceMs = 10_000): Promise<StopResult> {
  let probe: Probe = await probeDaemon(layout, 2_000);
  if (!probe.running && flockHolders(layout.daemonLock).length > 0) {
    // A daemon holds the lock but is not answering yet: it is starting. Wait for it so the stop
    // is not lost, rather than signalling something we cannot prove is the daemon.
    const until = Date.now() + 5_000;
    while (!probe.running && Date.now() < until && flockHolders(layout.daemonLock).length > 0) {
      await sleep(50);
      probe = await probeDaemon(layout, 500);
    }
  }
  if (!probe.running) throw new NotRunningError('daemon is not running');

  const proof = verifyDaemon(layout, probe);
  if (typeof proof === 'string') {
    throw new GtError('DAEMON_STOP_FAILED', `refusing to signal pid ${probe.pid}: ${proof}`);
  }
  const { pid, startTime } = proof;
  process.kill(pid, 'SIGTERM');
  let deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!sameProcessAlive(pid, startTime)) {
      removePidFileIfOwned(layout.daemonPid, proof);
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
  removePidFileIfOwned(layout.daemonPid, proof);
  return { pid, forced: true };
}

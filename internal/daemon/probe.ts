import { callMethod } from '../control/client.js';
import { PING } from '../control/protocol/messages/ping.js';
import { messageOf } from '../errors.js';
import { readPidFile, type PidRecord } from '../fsx/pidfile.js';
import { flockHolders, processStartTime } from '../fsx/proc.js';
import type { TownLayout } from '../town/layout.js';
import { whyNotDaemon } from './identity.js';

export interface DaemonIdentity {
  pid: number;
  nonce: string;
}

export type Probe =
  | { running: true; pid: number; nonce: string }
  | { running: false; reason: string };

/**
 * "Healthy means the socket answers": ping the control socket and return who answered.
 * Does not touch the lock, so a probe can never make a starting daemon lose its lock race.
 */
export async function probeDaemon(layout: TownLayout, timeoutMs = 2_000): Promise<Probe> {
  try {
    const r = await callMethod(layout.controlSocket, PING, undefined, { timeoutMs });
    return { running: true, pid: r.pid, nonce: r.nonce };
  } catch (e) {
    return { running: false, reason: e instanceof Error ? e.message : String(e) };
  }
}

export interface Verified extends PidRecord {
  startTime: number;
}

/**
 * Proof that `answer` is this town's daemon and safe to signal: the pid file names the same pid
 * and nonce the socket reported, /proc/locks shows that pid holding daemon.lock, the process is
 * a gt daemon by its command line and start time (identity.ts), and it exists (its start time is
 * recorded so a recycled pid is never mistaken for it later).
 * Returns a reason string when the proof fails.
 */
export function verifyDaemon(layout: TownLayout, answer: DaemonIdentity): Verified | string {
  const rec = readPidFile(layout.daemonPid);
  if (!rec) return 'daemon/daemon.pid is missing or malformed';
  if (rec.pid !== answer.pid || rec.nonce !== answer.nonce) {
    return `daemon/daemon.pid (pid ${rec.pid}) does not match the daemon answering the socket (pid ${answer.pid})`;
  }
  if (!flockHolders(layout.daemonLock).includes(rec.pid)) return `pid ${rec.pid} does not hold daemon/daemon.lock`;
  const notDaemon = whyNotDaemon(rec.pid, layout);
  if (notDaemon) return notDaemon;
  const startTime = processStartTime(rec.pid);
  if (startTime === undefined) return `pid ${rec.pid} is gone`;
  return { ...rec, startTime };
}

export interface DaemonNotice {
  /** The signal was sent. */
  notified: boolean;
  /** The daemon that answered (whether or not it was signalled), or null. */
  pid: number | null;
  /** Why nothing was sent. */
  reason?: string;
}

/**
 * Send `signal` to this town's daemon, but only to a process proven to be it (verifyDaemon):
 * never to a recycled pid or to a daemon of another town. `beforeSignal` runs once the pid is
 * proven and before the signal goes out, for a caller the signal may end (`gt handoff` runs in
 * the session the daemon then recycles).
 */
export async function signalVerifiedDaemon(layout: TownLayout, signal: NodeJS.Signals, opts: { beforeSignal?: (pid: number) => void } = {}): Promise<DaemonNotice> {
  const probe = await probeDaemon(layout);
  if (!probe.running) return { notified: false, pid: null, reason: 'daemon is not running' };
  const proof = verifyDaemon(layout, probe);
  if (typeof proof === 'string') return { notified: false, pid: probe.pid, reason: `not signalled: ${proof}` };
  opts.beforeSignal?.(proof.pid);
  try {
    process.kill(proof.pid, signal);
    return { notified: true, pid: proof.pid };
  } catch (e) {
    return { notified: false, pid: proof.pid, reason: messageOf(e) };
  }
}

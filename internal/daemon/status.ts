import { callMethod } from '../control/client.js';
import { STATUS, type StatusResult } from '../control/protocol/messages/status.js';
import type { TownLayout } from '../town/layout.js';
import type { DaemonState } from './state.js';
import { flockHolders } from '../fsx/proc.js';

export type DaemonStatus =
  | StatusResult
  | { running: false; log_path: string; last: DaemonState | null; reason: string; lock_holder: number | null };

/** Ask the daemon itself; when nothing answers, report the last state it wrote. */
export async function daemonStatus(layout: TownLayout): Promise<DaemonStatus> {
  let reason: string;
  try {
    return await callMethod(layout.controlSocket, STATUS, undefined, { timeoutMs: 3_000 });
  } catch (e) {
    reason = e instanceof Error ? e.message : String(e);
  }
  let last: DaemonState | null = null;
  try {
    // Loaded only on this path: the state file is validated with zod, which costs start-up time.
    const { readDaemonState } = await import('./state.js');
    last = readDaemonState(layout.daemonState) ?? null;
  } catch {
    // A corrupt state file says nothing about whether a daemon runs; report none.
  }
  // A state file that still says running belongs to a daemon that died without cleaning up.
  if (last?.running) last = { ...last, running: false };
  // Holding the lock without answering: a daemon that is starting, stopped or stuck.
  const lock_holder = flockHolders(layout.daemonLock)[0] ?? null;
  return { running: false, log_path: layout.daemonLog, last, reason, lock_holder };
}

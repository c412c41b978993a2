import { callControl } from '../control/client.js';
import { statusResultSchema, type StatusResult } from '../control/protocol/messages/status.js';
import type { TownLayout } from '../town/layout.js';
import { readDaemonState, type DaemonState } from './state.js';

export type DaemonStatus =
  | StatusResult
  | { running: false; log_path: string; last: DaemonState | null; reason: string };

/** Ask the daemon itself; when nothing answers, report the last state it wrote. */
export async function daemonStatus(layout: TownLayout): Promise<DaemonStatus> {
  try {
    const raw = await callControl(layout.controlSocket, 'status', undefined, { timeoutMs: 3_000 });
    return statusResultSchema.parse(raw);
  } catch (e) {
    let last: DaemonState | null = null;
    try {
      last = readDaemonState(layout.daemonState) ?? null;
    } catch {
      // A corrupt state file says nothing about whether a daemon runs; report none.
    }
    // A state file that still says running belongs to a daemon that died without cleaning up.
    if (last?.running) last = { ...last, running: false };
    return { running: false, log_path: layout.daemonLog, last, reason: e instanceof Error ? e.message : String(e) };
  }
}

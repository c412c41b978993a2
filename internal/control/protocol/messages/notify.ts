import type { MethodSpec } from '../method.js';

/**
 * The fast path: tmux's pane-exited / session-closed hooks run `gt daemon notify`, which sends
 * this. The daemon answers at once and queues a tick; the tick decides what the death means.
 */
export interface NotifyParams {
  event: string;
  session?: string;
  pane?: string;
}

export interface NotifyResult {
  queued: true;
}

export function isNotifyResult(x: unknown): x is NotifyResult {
  return !!x && typeof x === 'object' && (x as NotifyResult).queued === true;
}

export const NOTIFY: MethodSpec<'notify', NotifyParams, NotifyResult> = { name: 'notify', isResult: isNotifyResult };

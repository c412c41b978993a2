/**
 * The fast path: tmux's pane-exited / session-closed hooks run `gt daemon notify`, which sends
 * this. The daemon answers at once and queues a tick; the tick decides what the death means.
 */
export const NOTIFY = 'notify' as const;

export interface NotifyParams {
  event: string;
  session?: string;
  pane?: string;
}

export interface NotifyRequest {
  method: typeof NOTIFY;
  params: NotifyParams;
}

export function isNotifyRequest(m: { method: string }): m is NotifyRequest {
  return m.method === NOTIFY;
}

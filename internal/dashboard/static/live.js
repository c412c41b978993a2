// The page's one live connection: a snapshot on connect, then events and new snapshots as the
// server pushes them. No polling: when the socket closes (the dashboard or the daemon restarted,
// the laptop slept) it reconnects by itself with a backoff, and the server sends a fresh snapshot.

const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 5000;

/**
 * @param {{ onMessage(m: any): void, onState(state: 'connecting'|'live'|'reconnecting', detail?: string): void }} handlers
 */
export function connectLive(handlers) {
  let retry = RETRY_MIN_MS;
  let ws;
  let timer;

  function open() {
    const url = new URL('/ws/live', location.href);
    url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    ws = new WebSocket(url);
    ws.addEventListener('open', () => {
      retry = RETRY_MIN_MS;
      handlers.onState('live');
    });
    ws.addEventListener('message', (ev) => {
      let m;
      try {
        m = JSON.parse(ev.data);
      } catch {
        return;
      }
      handlers.onMessage(m);
    });
    ws.addEventListener('close', (ev) => {
      handlers.onState('reconnecting', ev.code === 1006 ? 'dashboard unreachable' : ev.reason || `closed (${ev.code})`);
      clearTimeout(timer);
      timer = setTimeout(open, retry);
      retry = Math.min(retry * 2, RETRY_MAX_MS);
    });
  }

  handlers.onState('connecting');
  open();
  // Back from sleep or a hidden tab: do not wait out the backoff.
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && ws && ws.readyState === WebSocket.CLOSED) {
      clearTimeout(timer);
      open();
    }
  });
}

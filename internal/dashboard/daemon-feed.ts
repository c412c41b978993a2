import { messageOf } from '../errors.js';
import { subscribeEvents, type Subscription } from '../control/subscriber.js';
import type { DaemonEventParams } from '../control/protocol/messages/subscribe.js';
import type { DaemonStatus } from './views.js';

/** Events asked for again on each (re)connect, to fill the page's feed. */
const REPLAY = 50;
const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 5_000;

export interface DaemonFeedListener {
  onEvent(e: DaemonEventParams): void;
  onStatus(s: DaemonStatus): void;
}

/**
 * Follows the daemon's event stream and keeps following it across daemon restarts: when the
 * stream ends it reconnects with a backoff (RETRY_MIN..MAX), or at once when `poke()` says the
 * daemon's directory changed (a new daemon wrote its socket). Replayed events already seen from
 * the same daemon (same pid, seq not newer) are not passed on twice.
 */
export class DaemonFeed {
  private sub: Subscription | undefined;
  private timer: NodeJS.Timeout | undefined;
  private retryMs = RETRY_MIN_MS;
  private stopped = false;
  private connecting = false;
  private lastPid = 0;
  private lastSeq = 0;
  status: DaemonStatus = { running: false, pid: null, reason: 'not connected yet' };

  constructor(
    private readonly socketPath: string,
    private readonly listener: DaemonFeedListener,
  ) {}

  start(): void {
    void this.connect();
  }

  /** Something changed where the daemon keeps its socket: if disconnected, try now. */
  poke(): void {
    if (this.stopped || this.sub || this.connecting) return;
    clearTimeout(this.timer);
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.sub?.close();
  }

  private setStatus(s: DaemonStatus): void {
    if (s.running === this.status.running && s.pid === this.status.pid && s.reason === this.status.reason) return;
    this.status = s;
    this.listener.onStatus(s);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    this.connecting = true;
    const sub = subscribeEvents(this.socketPath, {
      replay: REPLAY,
      timeoutMs: 5_000,
      onAccepted: (r) => {
        // A new daemon numbers its events from 1 again.
        if (r.pid !== this.lastPid) this.lastSeq = 0;
        this.lastPid = r.pid;
      },
      onEvent: (e) => {
        if (e.seq <= this.lastSeq) return;
        this.lastSeq = e.seq;
        this.listener.onEvent(e);
      },
    });
    try {
      const r = await sub.accepted;
      this.sub = sub;
      this.retryMs = RETRY_MIN_MS;
      this.setStatus({ running: true, pid: r.pid });
    } catch (e) {
      this.connecting = false;
      this.setStatus({ running: false, pid: null, reason: messageOf(e) });
      this.retryLater();
      return;
    }
    this.connecting = false;
    await sub.ended;
    this.sub = undefined;
    if (this.stopped) return;
    this.setStatus({ running: false, pid: null, reason: 'the daemon closed its event stream (it stopped)' });
    this.retryLater();
  }

  private retryLater(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.connect(), this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
  }
}

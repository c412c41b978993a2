import type { WebSocket } from 'ws';
import type { DaemonEventParams } from '../control/protocol/messages/subscribe.js';
import { messageOf } from '../errors.js';
import type { DaemonStatus, TownSnapshot } from './views.js';

/** Events kept for a page that connects late (the daemon's own replay refills it after a restart). */
const KEEP_EVENTS = 100;
/** A page that has this much unsent is not reading: it is dropped (it reconnects and starts afresh). */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
/** At most this many pages follow one dashboard at once. */
export const MAX_LIVE_CLIENTS = 32;
/** Changes closer together than this are read as one snapshot. */
const COALESCE_MS = 150;
/** At least this long between two snapshot reads while changes keep coming. */
const MIN_GAP_MS = 500;
/** setTimeout's longest wait; a later lapse is re-armed by the read it causes. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** What the server sends a page, one JSON text frame each. */
export type LiveMessage =
  | { type: 'snapshot'; snapshot: TownSnapshot }
  | { type: 'events'; events: DaemonEventParams[] }
  | { type: 'event'; event: DaemonEventParams }
  | { type: 'error'; message: string };

/**
 * The pages following the town. On connect a page gets the last events and a fresh snapshot;
 * then every daemon event as it comes and a new snapshot whenever something changed (a daemon
 * event, a file the watcher saw). Snapshots are read only while a page is connected, at most one
 * read at a time, coalesced, and sent only when they differ from the last one sent.
 */
export class LiveHub {
  private readonly clients = new Set<WebSocket>();
  private readonly events: DaemonEventParams[] = [];
  private lastJson = '';
  private last: TownSnapshot | undefined;
  private reading = false;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private lastReadAt = 0;
  private lapseTimer: NodeJS.Timeout | undefined;

  /**
   * @param lapseAt when a snapshot goes stale by the clock alone (an open question's deadline
   *   passes with no write to the ledger, e.g. its asker was killed): it is read again then.
   */
  constructor(
    private readonly read: (daemon: DaemonStatus) => Promise<TownSnapshot>,
    private readonly daemonStatus: () => DaemonStatus,
    private readonly log: (line: string) => void,
    private readonly lapseAt: (s: TownSnapshot) => number | undefined = () => undefined,
  ) {}

  get size(): number {
    return this.clients.size;
  }

  add(ws: WebSocket): void {
    this.clients.add(ws);
    ws.on('close', () => this.clients.delete(ws));
    ws.on('error', () => this.clients.delete(ws));
    this.send(ws, { type: 'events', events: this.events });
    if (this.last) this.send(ws, { type: 'snapshot', snapshot: this.last });
    // Always read afresh for a new page: what was last sent may be older than its connect.
    this.lastJson = '';
    this.changed();
  }

  event(e: DaemonEventParams): void {
    this.events.push(e);
    if (this.events.length > KEEP_EVENTS) this.events.shift();
    this.broadcast({ type: 'event', event: e });
    // A tick by itself changes nothing the page shows; what a tick did comes as action events
    // (and restart_state.json, which is watched). So ticks never turn into a polling loop.
    if (e.type !== 'tick_start' && e.type !== 'tick_end') this.changed();
  }

  /** Something the snapshot is read from may have changed. */
  changed(): void {
    if (this.clients.size === 0) return;
    if (this.reading) {
      this.again = true;
      return;
    }
    if (this.timer) return;
    const wait = Math.max(COALESCE_MS, this.lastReadAt + MIN_GAP_MS - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.readNow();
    }, wait);
  }

  private async readNow(): Promise<void> {
    this.reading = true;
    this.again = false;
    this.lastReadAt = Date.now();
    try {
      const snap = await this.read(this.daemonStatus());
      // generated_at always differs: compare what the page would show.
      const json = JSON.stringify({ ...snap, generated_at: '' });
      this.last = snap;
      this.armLapse(snap);
      if (json !== this.lastJson) {
        this.lastJson = json;
        this.broadcast({ type: 'snapshot', snapshot: snap });
      }
    } catch (e) {
      this.log(`snapshot failed: ${messageOf(e)}`);
      this.broadcast({ type: 'error', message: `could not read the town: ${messageOf(e)}` });
    } finally {
      this.reading = false;
      if (this.again) this.changed();
    }
  }

  private armLapse(snap: TownSnapshot): void {
    clearTimeout(this.lapseTimer);
    this.lapseTimer = undefined;
    const at = this.lapseAt(snap);
    // Already past when this read began, yet still shown: another read would show it again.
    if (at === undefined || at < this.lastReadAt) return;
    // A little after the deadline: at it exactly the ledger may still call the question open.
    const wait = Math.min(MAX_TIMER_MS, Math.max(0, at - Date.now()) + 50);
    this.lapseTimer = setTimeout(() => {
      this.lapseTimer = undefined;
      this.changed();
    }, wait);
    this.lapseTimer.unref();
  }

  closeAll(code: number, reason: string): void {
    clearTimeout(this.timer);
    clearTimeout(this.lapseTimer);
    for (const ws of this.clients) ws.close(code, reason);
    this.clients.clear();
  }

  private broadcast(m: LiveMessage): void {
    if (this.clients.size === 0) return;
    const text = JSON.stringify(m);
    for (const ws of this.clients) this.sendText(ws, text);
  }

  private send(ws: WebSocket, m: LiveMessage): void {
    this.sendText(ws, JSON.stringify(m));
  }

  private sendText(ws: WebSocket, text: string): void {
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount + text.length > MAX_BUFFERED_BYTES) {
      // Not reading: drop it rather than grow without bound. The page reconnects and resyncs.
      this.clients.delete(ws);
      ws.terminate();
      return;
    }
    ws.send(text);
  }
}

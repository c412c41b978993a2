import type { NotifyEvent, NotifyPayload } from './event.js';
import type { Sink } from './sink.js';

/**
 * Tells the person, without ever holding up the caller. `notify()` is synchronous and O(1): it
 * dedups, then queues; deliveries run on the notifier's own timers, each attempt bounded by a
 * timeout, failures retried with exponential backoff, all of it ended by `close()`.
 *
 * - Dedup per episode: one notification per (kind, key) until `resolve(kind, key)` ends the
 *   episode (or `dedupMs` passes, so a forgotten resolve cannot silence a kind for ever).
 * - Rate limit: at most `rate.count` notifications start per `rate.perMs` (token bucket); the
 *   rest wait in the queue.
 * - Bounded: at most `queueMax` events wait (queued or between retries); beyond that the oldest
 *   waiting one is dropped and logged. At most `maxInFlight` attempts run at once.
 */

export interface NotifierOptions {
  town: string;
  sinks: Sink[];
  /** Only these kinds are sent (undefined: every kind). */
  kinds?: readonly string[];
  timeoutMs: number;
  rate: { count: number; perMs: number };
  retry: { attempts: number; initialMs: number; maxMs: number };
  queueMax: number;
  dedupMs: number;
  maxInFlight?: number;
  log: { info(m: string): void; warn(m: string): void; error(m: string): void };
  /** Every outcome, for metrics. */
  onResult?: (r: { sink: string; kind: string; result: 'sent' | 'failed' | 'gave_up' | 'dropped' }) => void;
  now?: () => number;
}

export type NotifyOutcome = 'queued' | 'duplicate' | 'filtered' | 'no-sink' | 'closed';

interface Delivery {
  payload: NotifyPayload;
  sink: Sink;
  attempt: number;
  /** Not before this time (epoch ms): set while waiting for a retry. */
  notBefore: number;
}

const DEDUP_MAX_KEYS = 10_000;

export class Notifier {
  private readonly waiting: Delivery[] = [];
  private readonly sent = new Map<string, number>();
  private inFlight = 0;
  private tokens: number;
  private lastRefill: number;
  private timer: NodeJS.Timeout | undefined;
  private readonly abort = new AbortController();
  private readonly idleWaiters: Array<() => void> = [];
  private readonly now: () => number;

  constructor(private readonly o: NotifierOptions) {
    this.now = o.now ?? Date.now;
    this.tokens = o.rate.count;
    this.lastRefill = this.now();
  }

  get sinks(): readonly string[] {
    return this.o.sinks.map((s) => s.name);
  }

  /** Queue `event` for every sink unless its episode was already notified. Never blocks, never throws. */
  notify(event: NotifyEvent): NotifyOutcome {
    if (this.abort.signal.aborted) return 'closed';
    if (this.o.sinks.length === 0) return 'no-sink';
    if (this.o.kinds && !this.o.kinds.includes(event.kind)) return 'filtered';
    const k = dedupKey(event.kind, event.key);
    const at = this.sent.get(k);
    const now = this.now();
    if (at !== undefined && now - at < this.o.dedupMs) return 'duplicate';
    this.sent.delete(k);
    this.sent.set(k, now);
    if (this.sent.size > DEDUP_MAX_KEYS) this.sent.delete(this.sent.keys().next().value!);
    const payload: NotifyPayload = { ...event, severity: event.severity ?? 'warning', town: this.o.town, time: new Date(now).toISOString() };
    for (const sink of this.o.sinks) this.enqueue({ payload, sink, attempt: 0, notBefore: 0 });
    this.pump();
    return 'queued';
  }

  /** The episode is over: the next notify of (kind, key) is sent again. */
  resolve(kind: string, key: string): void {
    this.sent.delete(dedupKey(kind, key));
  }

  /** Events waiting (queued or between retries) plus attempts running. */
  get pending(): number {
    return this.waiting.length + this.inFlight;
  }

  /** Resolves when nothing is waiting or running (for tests and a clean shutdown). */
  idle(): Promise<void> {
    if (this.pending === 0 || this.abort.signal.aborted) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /** Stop: running attempts are aborted, waiting ones dropped (logged), timers cleared. */
  close(): void {
    if (this.abort.signal.aborted) return;
    this.abort.abort();
    clearTimeout(this.timer);
    if (this.waiting.length) this.o.log.warn(`notify: ${this.waiting.length} notification(s) not sent: the daemon is stopping`);
    this.waiting.length = 0;
    this.settleIdle();
  }

  private enqueue(d: Delivery): void {
    if (this.waiting.length >= this.o.queueMax) {
      const dropped = this.waiting.shift()!;
      this.o.log.warn(`notify: queue full (${this.o.queueMax}); dropped ${dropped.payload.kind} "${dropped.payload.title}" for ${dropped.sink.name}`);
      this.o.onResult?.({ sink: dropped.sink.name, kind: dropped.payload.kind, result: 'dropped' });
    }
    this.waiting.push(d);
  }

  private refill(now: number): void {
    const { count, perMs } = this.o.rate;
    const add = ((now - this.lastRefill) / perMs) * count;
    this.tokens = Math.min(count, this.tokens + add);
    this.lastRefill = now;
  }

  /** Start what may start now; set one timer for the earliest moment something else may. */
  private pump(): void {
    if (this.abort.signal.aborted) return this.settleIdle();
    clearTimeout(this.timer);
    this.timer = undefined;
    const now = this.now();
    this.refill(now);
    const maxInFlight = this.o.maxInFlight ?? 4;
    let wakeAt = Infinity;
    for (let i = 0; i < this.waiting.length && this.inFlight < maxInFlight; ) {
      const d = this.waiting[i]!;
      if (d.notBefore > now) {
        wakeAt = Math.min(wakeAt, d.notBefore);
        i++;
        continue;
      }
      // A first attempt spends a token; a retry of something already counted does not.
      if (d.attempt === 0) {
        if (this.tokens < 1) {
          wakeAt = Math.min(wakeAt, now + ((1 - this.tokens) / this.o.rate.count) * this.o.rate.perMs);
          i++;
          continue;
        }
        this.tokens -= 1;
      }
      this.waiting.splice(i, 1);
      void this.attempt(d);
    }
    if (wakeAt < Infinity) this.timer = setTimeout(() => this.pump(), Math.max(1, Math.ceil(wakeAt - now)));
    this.settleIdle();
  }

  private async attempt(d: Delivery): Promise<void> {
    this.inFlight++;
    const ctl = new AbortController();
    const onClose = () => ctl.abort();
    this.abort.signal.addEventListener('abort', onClose, { once: true });
    const timer = setTimeout(() => ctl.abort(), this.o.timeoutMs);
    const what = `${d.payload.kind} "${d.payload.title}" via ${d.sink.name}`;
    try {
      await d.sink.send(d.payload, ctl.signal);
      this.o.log.info(`notify: sent ${what}${d.attempt ? ` (attempt ${d.attempt + 1})` : ''}`);
      this.o.onResult?.({ sink: d.sink.name, kind: d.payload.kind, result: 'sent' });
    } catch (e) {
      const why = ctl.signal.aborted && !this.abort.signal.aborted ? `no answer within ${this.o.timeoutMs}ms` : (e as Error).message;
      if (this.abort.signal.aborted) {
        // Stopping: not a failure of the sink.
      } else if (d.attempt + 1 >= this.o.retry.attempts) {
        this.o.log.error(`notify: gave up on ${what} after ${d.attempt + 1} attempts: ${why}`);
        this.o.onResult?.({ sink: d.sink.name, kind: d.payload.kind, result: 'gave_up' });
      } else {
        const backoff = Math.min(this.o.retry.maxMs, this.o.retry.initialMs * 2 ** d.attempt);
        this.o.log.warn(`notify: ${what} failed (attempt ${d.attempt + 1} of ${this.o.retry.attempts}): ${why}; retrying in ${backoff}ms`);
        this.o.onResult?.({ sink: d.sink.name, kind: d.payload.kind, result: 'failed' });
        this.enqueue({ ...d, attempt: d.attempt + 1, notBefore: this.now() + backoff });
      }
    } finally {
      clearTimeout(timer);
      this.abort.signal.removeEventListener('abort', onClose);
      this.inFlight--;
      this.pump();
    }
  }

  private settleIdle(): void {
    if (this.pending === 0 || this.abort.signal.aborted) for (const w of this.idleWaiters.splice(0)) w();
  }
}

function dedupKey(kind: string, key: string): string {
  return `${kind}\u0000${key}`;
}

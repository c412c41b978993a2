/**
 * The tick loop's scheduling, apart from what a tick does. Ticks never overlap; requests that
 * arrive while a tick runs coalesce into one pending tick. The next timed tick is scheduled from
 * the start of the previous tick.
 */

export interface TickerOptions {
  intervalMs: number;
  runTick: (reasons: string[]) => Promise<void>;
  onError: (e: unknown) => void;
  signal: AbortSignal;
}

export class Ticker {
  private intervalMs: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private pendingReasons: string[] = [];
  private waiters: Array<() => void> = [];
  private lastStart = 0;

  constructor(private readonly opts: TickerOptions) {
    this.intervalMs = opts.intervalMs;
    opts.signal.addEventListener('abort', () => this.clearTimer(), { once: true });
  }

  /** Run the first tick now; later ones follow the interval. */
  start(): void {
    this.request('start');
  }

  /**
   * Ask for a tick. Resolves once a tick that started after this call has finished, so a caller
   * (USR1, the control socket) knows its request was seen.
   */
  request(reason: string): Promise<void> {
    if (this.opts.signal.aborted) return Promise.resolve();
    const done = new Promise<void>((resolve) => this.waiters.push(resolve));
    this.pendingReasons.push(reason);
    if (!this.running) this.loop();
    return done;
  }

  setInterval(ms: number): void {
    this.intervalMs = ms;
    if (!this.running) this.schedule();
  }

  get interval(): number {
    return this.intervalMs;
  }

  /** When the next timed tick is due (epoch ms). */
  get nextTickAt(): number {
    return this.lastStart + this.intervalMs;
  }

  /** Resolves when no tick is running (call after aborting the signal). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private loop(): void {
    this.clearTimer();
    this.running = (async () => {
      // Let the caller finish assigning `running` before the first tick starts.
      await Promise.resolve();
      while (this.pendingReasons.length > 0 && !this.opts.signal.aborted) {
        const reasons = this.pendingReasons;
        const covered = this.waiters;
        this.pendingReasons = [];
        this.waiters = [];
        this.lastStart = Date.now();
        try {
          await this.opts.runTick(reasons);
        } catch (e) {
          this.opts.onError(e);
        }
        for (const w of covered) w();
      }
      // Synchronous from the last check on: no request can slip in between.
      this.running = undefined;
      if (this.opts.signal.aborted) for (const w of this.waiters.splice(0)) w();
      else this.schedule();
    })();
  }

  private schedule(): void {
    this.clearTimer();
    if (this.opts.signal.aborted) return;
    const delay = Math.max(0, this.lastStart + this.intervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.request('interval');
    }, delay);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/**
 * The tick loop's scheduling, apart from what a tick does. Ticks never overlap; requests that
 * arrive while a tick runs coalesce into one pending tick. Between ticks one timer waits for
 * whichever comes first:
 *   - the deadline the last tick reported (decide's earliest "a decision changes then"), no
 *     sooner than minDelayMs after it is scheduled;
 *   - the interval tick, the safety net, due intervalMs after the previous interval tick started.
 * Event ticks (USR1, the fast path, the control socket) never move the interval tick, and their
 * own deadline replaces the previous one, so an event never postpones a due deadline.
 */

/** When the loop should run next, and why (shown by `gt daemon status`). */
export interface Wake {
  at: number;
  reason: string;
}

export interface TickOutcome<R> {
  /** The earliest instant at which a decision could change; null when nothing is waiting. */
  wake: Wake | null;
  value: R;
}

export interface TickerOptions<R> {
  intervalMs: number;
  runTick: (reasons: string[]) => Promise<TickOutcome<R>>;
  /** Reports a failed tick; what it returns is what that tick's waiters get (default undefined). */
  onError: (e: unknown) => R | void;
  signal: AbortSignal;
  /** The clock wakes are on (epoch ms); default Date.now. */
  now?: () => number;
  /** A deadline closer than this is waited for this long (default 100 ms). */
  minDelayMs?: number;
  /** Called whenever the next wake is (re)scheduled. */
  onSchedule?: (next: Wake) => void;
}

export const INTERVAL_REASON = 'interval';
export const DEFAULT_MIN_DELAY_MS = 100;

export class Ticker<R = void> {
  private intervalMs: number;
  private readonly now: () => number;
  private readonly minDelayMs: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private pendingReasons: string[] = [];
  private waiters: Array<(v: R | undefined) => void> = [];
  /** When the last interval tick (or the first tick) started. */
  private intervalAnchor: number;
  private deadline: Wake | null = null;
  private scheduled: Wake;

  constructor(private readonly opts: TickerOptions<R>) {
    this.intervalMs = opts.intervalMs;
    this.now = opts.now ?? Date.now;
    this.minDelayMs = opts.minDelayMs ?? DEFAULT_MIN_DELAY_MS;
    this.intervalAnchor = this.now();
    this.scheduled = { at: this.intervalAnchor + this.intervalMs, reason: INTERVAL_REASON };
    opts.signal.addEventListener('abort', () => this.clearTimer(), { once: true });
  }

  /** Run the first tick now; later ones follow the deadlines and the interval. */
  start(): void {
    void this.request('start');
  }

  /**
   * Ask for a tick. Resolves with the value of a tick that started after this call, once it has
   * finished, so a caller (USR1, the control socket) knows its request was seen and what it did.
   * Resolves undefined when the loop is stopped; when the tick failed, with what onError returned.
   */
  request(reason: string): Promise<R | undefined> {
    if (this.opts.signal.aborted) return Promise.resolve(undefined);
    const done = new Promise<R | undefined>((resolve) => this.waiters.push(resolve));
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

  /** The next wake as scheduled now (the timer's instant and its reason). */
  get next(): Wake {
    return this.scheduled;
  }

  /** When the next interval tick (the safety net) is due, whatever comes before it. */
  get nextIntervalAt(): number {
    return this.intervalAnchor + this.intervalMs;
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
        if (reasons.includes(INTERVAL_REASON) || reasons.includes('start')) this.intervalAnchor = this.now();
        let value: R | undefined;
        try {
          const out = await this.opts.runTick(reasons);
          this.deadline = out.wake;
          value = out.value;
        } catch (e) {
          // What the failed tick would have waited for is unknown: the interval still comes.
          this.deadline = null;
          value = this.opts.onError(e) ?? undefined;
        }
        for (const w of covered) w(value);
      }
      // Synchronous from the last check on: no request can slip in between.
      this.running = undefined;
      if (this.opts.signal.aborted) for (const w of this.waiters.splice(0)) w(undefined);
      else this.schedule();
    })();
  }

  private schedule(): void {
    this.clearTimer();
    if (this.opts.signal.aborted) return;
    const now = this.now();
    const intervalAt = this.intervalAnchor + this.intervalMs;
    let target: Wake;
    if (this.deadline && this.deadline.at < intervalAt) {
      target = { at: Math.max(this.deadline.at, now + this.minDelayMs), reason: this.deadline.reason };
      // Never later than the interval would come.
      if (target.at > intervalAt) target = { at: intervalAt, reason: INTERVAL_REASON };
    } else {
      target = { at: intervalAt, reason: INTERVAL_REASON };
    }
    this.scheduled = target;
    try {
      this.opts.onSchedule?.(target);
    } catch (e) {
      // Recording the wake (state.json on a full disk) must never stop the wakes themselves.
      this.opts.onError(e);
    }
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        void this.request(target.reason === INTERVAL_REASON ? INTERVAL_REASON : `deadline: ${target.reason}`);
      },
      // A timer may fire a millisecond early by the clock it is compared with; a deadline tick
      // that came too soon would find nothing due and wait another minDelayMs.
      Math.max(0, target.at - now) + 1,
    );
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

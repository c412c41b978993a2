import type { EstopResult, ReconcileResult, StatusResult, ThawResult } from '../protocol/messages/index.js';

/**
 * What the daemon lets a control request see and do. Handlers are thin: they validate params,
 * call into this, and answer; the daemon (internal/daemon/run.ts) builds it from its own parts.
 */
export interface ControlContext {
  pid: number;
  nonce: string;
  town: string;
  version: string;
  /** The daemon's account of itself, as `status` answers it. */
  status(): StatusResult;
  log: { debug(msg: string): void; info(msg: string): void; warn(msg: string): void };
  /** Recent and live daemon events (gt feed). */
  events: {
    readonly lastSeq: number;
    emit(event: Record<string, unknown>): void;
    subscribe(listener: (e: Record<string, unknown>) => void, replay: number): () => void;
  };
  /** Ask for a tick; resolves once a tick that started after the request has finished. */
  requestTick(reason: string): Promise<{ tick_count: number; last_tick_ms: number }>;
  /**
   * A tick now (coalescing with one already asked for), answered with where each managed agent
   * stands; undefined when it did not run (the daemon is stopping, or the tick failed).
   */
  reconcile(reason: string, opts: { releaseHeld: boolean; startedSince?: number }): Promise<ReconcileResult | undefined>;
  /** Queue a tick without waiting for it (the fast path). */
  wake(reason: string): void;
  /** The emergency stop, file and memory (daemon/estop.ts). */
  estop: {
    set(reason: string | undefined, by: string | undefined): Omit<EstopResult, 'pid'>;
    thaw(): Omit<ThawResult, 'pid'>;
  };
  /** The daemon's metrics registry (gt metrics). */
  metrics: { text(): Promise<string>; contentType: string };
  /** Notify the person of open questions not yet notified (gt ask); how many were handed on. */
  notifyQuestions(): number;
}

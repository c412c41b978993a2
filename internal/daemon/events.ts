/**
 * Events for control-socket subscribers (`gt feed`): every action the daemon takes. A bounded
 * ring keeps the last few for a subscriber that connects late.
 */
export type DaemonEvent = Record<string, unknown> & { time: string; seq: number };

export class EventBus {
  private seq = 0;
  private readonly recent: DaemonEvent[] = [];
  private readonly listeners = new Set<(e: DaemonEvent) => void>();

  constructor(private readonly keep = 200) {}

  /** Sequence number of the last event emitted (0 before the first). */
  get lastSeq(): number {
    return this.seq;
  }

  emit(event: Record<string, unknown>): void {
    const e: DaemonEvent = { ...event, time: new Date().toISOString(), seq: ++this.seq };
    this.recent.push(e);
    if (this.recent.length > this.keep) this.recent.shift();
    for (const l of this.listeners) l(e);
  }

  /** Receive every event from now on (and the last `replay` ones first); returns the unsubscribe. */
  subscribe(listener: (e: DaemonEvent) => void, replay = 0): () => void {
    // slice(-0) is the whole array: no replay must mean none.
    if (replay > 0) for (const e of this.recent.slice(-replay)) listener(e);
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

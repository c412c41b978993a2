import type { Settings } from '../../config/settings.js';
import type { Level } from '../logger.js';
import type { Action } from './actions.js';
import { clearSlot, record, shouldNotify, slotKey, type NotifyState, type SlotId } from './notify.js';
import type { Observation } from './observation.js';
import { agentRestart, withAgentRestart, type AgentRestart, type RestartState } from './restart-tracker.js';

/** The earliest future instant at which a decision could change, and why (for `gt daemon status`). */
export interface Wake {
  at: number;
  reason: string;
}

/**
 * The working state of one decide() call. Inputs are never mutated: the states are replaced by
 * new objects (the update helpers copy), and the caller gets the final ones back.
 */
export class DecideContext {
  readonly actions: Action[] = [];
  /** Slot keys whose condition holds this tick; every other slot of an observed agent is cleared. */
  readonly active = new Set<string>();
  restart: RestartState;
  notify: NotifyState;
  /** The earliest deadline any rule reported (see deadline()). */
  next: Wake | null = null;

  constructor(
    readonly obs: Observation,
    readonly cfg: Settings,
    restart: RestartState,
    notify: NotifyState,
  ) {
    this.restart = restart;
    this.notify = notify;
  }

  get now(): number {
    return this.obs.now;
  }

  push(a: Action): void {
    this.actions.push(a);
  }

  /**
   * A rule's outcome flips at `at` if nothing else changes (a backoff ends, a heartbeat goes
   * stale, a grace period ends): the daemon must run decide again then. Only future instants
   * count; the earliest one wins.
   */
  deadline(at: number, reason: string): void {
    if (!Number.isFinite(at) || at <= this.now) return;
    if (!this.next || at < this.next.at) this.next = { at, reason };
  }

  tracker(identity: string): AgentRestart {
    return agentRestart(this.restart, identity);
  }

  setTracker(identity: string, s: AgentRestart): void {
    this.restart = withAgentRestart(this.restart, identity, s);
  }

  /**
   * Mark the condition active and, if its slot allows, record it and emit what `make` builds.
   * Returns whether it emitted.
   */
  once(id: SlotId, condition: string, make: (slot: string) => Action, maxAge = this.cfg.notify.slot_max_age): boolean {
    const key = slotKey(id);
    this.active.add(key);
    const emit = shouldNotify(this.notify, key, condition, this.now, maxAge);
    if (emit) {
      this.notify = record(this.notify, id, condition, this.now);
      this.push(make(key));
    }
    // A condition that persists is told again once its slot is older than maxAge.
    const at = this.notify.slots[key]?.at;
    if (at !== undefined) this.deadline(at + maxAge, `${id.kind} ${id.agent || 'town'} may be told again (slot max age)`);
    return emit;
  }

  mailOnce(to: string, kind: string, agent: string, condition: string, subject: string, body: string): boolean {
    return this.once({ recipient: to, kind, agent }, condition, (slot) => ({ type: 'mail', to, subject, body, slot }));
  }

  logOnce(level: Level, kind: string, agent: string, condition: string, message: string, maxAge?: number): boolean {
    return this.once({ recipient: 'log', kind, agent }, condition, (slot) => ({ type: 'log', level, message, slot }), maxAge);
  }

  clear(id: SlotId): void {
    this.notify = clearSlot(this.notify, slotKey(id));
  }
}

import type { TownLayout } from '../town/layout.js';

/**
 * One line of `gt doctor`: ok, warn or fail, what was found, how to fix it. A `fix` is attached
 * only where it is safe to apply unasked (gt doctor --fix): it re-checks its condition right before
 * acting and never touches anything it cannot prove belongs to this town and is unused.
 */
export type Status = 'ok' | 'warn' | 'fail';

export interface CheckResult {
  /** Stable id, e.g. "tmux", "daemon-pid", "runtime:claude". */
  check: string;
  status: Status;
  what: string;
  /** How a person fixes it (or what --fix would do). */
  hint?: string;
  /** A safe fix --fix may apply; returns what it did. */
  fix?: () => Promise<string>;
}

export interface DoctorContext {
  town: string;
  layout: TownLayout;
  /** May the login check start a runtime's CLI briefly when no agent of it runs (default yes; --no-probe)? */
  probe?: boolean;
}

export type Check = (ctx: DoctorContext) => Promise<CheckResult[]>;

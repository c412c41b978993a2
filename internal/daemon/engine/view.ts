import type { Settings } from '../../config/settings.js';
import type { Tmux } from '../../tmux/index.js';
import type { TownLayout } from '../../town/layout.js';
import type { Logger } from '../logger.js';
import type { Action } from '../policy/index.js';
import type { LedgerHealth } from './ledger-health.js';

/**
 * What observe and act see of the Engine (engine.ts): the one value the daemon builds, passed as
 * is; this is only its type, kept apart so those modules do not import the engine that runs them.
 */
export interface EngineView {
  readonly town: string;
  readonly layout: TownLayout;
  readonly tmux: Tmux;
  readonly log: Logger;
  readonly settings: () => Settings;
  /** Epoch ms that only move forward: decide's `now`. */
  readonly now: () => number;
  /** Health window for started sessions (the default unless a bench or test shrinks it). */
  readonly healthWindowMs: number | undefined;
  /** An emergency stop the daemon holds in memory (ESTOP could not be written: daemon/estop.ts). */
  readonly estopHeld?: () => boolean;
  /** The ledger across ticks: its last good read, and whether the daemon runs degraded. */
  readonly ledgerHealth: LedgerHealth;
  /** Report a problem with one input once per distinct problem (not every tick). */
  warnOnce(key: string, message: string): void;
  /** The problem behind `key` is gone: report it again if it comes back. */
  resolved(key: string): void;
}

/** act reports each applied action here: counted for state.json and sent to subscribers. */
export type Reporter = (a: Action, ok: boolean, detail?: string) => void;

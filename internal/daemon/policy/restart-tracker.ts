import { z } from 'zod';
import type { Settings } from '../../config/settings.js';
import { loadStateFile, saveStateFile, type Loaded } from './persist.js';

/**
 * Restart tracker: backoff and the crash-loop circuit breaker, per agent identity. Pure functions
 * over plain data; the daemon persists the whole map in daemon/restart_state.json so backoff,
 * crash loops and start times (the deacon's grace period) survive a daemon restart.
 */

export type RestartConfig = Settings['restart'];

export interface CrashLoop {
  /** When the start that reached crash_loop_count happened. */
  since: number;
  /** The CRASH_LOOP alert was sent (shown by `gt agents --json`). */
  alerted: boolean;
}

export interface StartError {
  at: number;
  message: string;
}

export interface AgentRestart {
  /** Start times within crash_loop_window (older ones are dropped on the next start). */
  restarts: number[];
  /** No automatic start before this time. */
  backoffUntil: number;
  /** Last start by the daemon (0 = never): the deacon's grace period is measured from it. */
  lastStart: number;
  crashLoop: CrashLoop | null;
  /** act reports a start that failed here; decide turns it into CRASHED_POLECAT mail. */
  lastError: StartError | null;
}

export interface RestartState {
  version: 1;
  agents: Record<string, AgentRestart>;
}

export type StartVerdict = { ok: true } | { ok: false; reason: 'backoff'; until: number } | { ok: false; reason: 'crash-loop'; since: number };

const time = z.number().finite().nonnegative();

export const agentRestartSchema = z
  .object({
    restarts: z.array(time),
    backoffUntil: time,
    lastStart: time,
    crashLoop: z.object({ since: time, alerted: z.boolean() }).strict().nullable(),
    lastError: z.object({ at: time, message: z.string() }).strict().nullable().prefault(null),
  })
  .strict();

export const restartStateSchema = z
  .object({
    version: z.literal(1),
    agents: z.record(z.string().min(1), agentRestartSchema),
  })
  .strict();

export const RESTART_STATE_LABEL = 'daemon/restart_state.json';

export function emptyAgentRestart(): AgentRestart {
  return { restarts: [], backoffUntil: 0, lastStart: 0, crashLoop: null, lastError: null };
}

export function emptyRestartState(): RestartState {
  return { version: 1, agents: {} };
}

/** initial * multiplier^(n-1), capped at max; n = starts within the crash-loop window (>= 1). */
export function backoffFor(n: number, cfg: RestartConfig): number {
  const exp = Math.max(0, n - 1);
  return Math.min(cfg.initial_backoff * cfg.multiplier ** exp, cfg.max_backoff);
}

export function canStart(s: AgentRestart, now: number, _cfg: RestartConfig): StartVerdict {
  if (s.crashLoop) return { ok: false, reason: 'crash-loop', since: s.crashLoop.since };
  if (now < s.backoffUntil) return { ok: false, reason: 'backoff', until: s.backoffUntil };
  return { ok: true };
}

export interface RecordStartOptions {
  /**
   * A start the agent asked for (lifecycle cycle/restart): it moves lastStart (grace) but is not
   * a crash and so neither counts towards the crash loop nor sets a backoff.
   */
  voluntary?: boolean;
}

export function recordStart(s: AgentRestart, now: number, cfg: RestartConfig, opts: RecordStartOptions = {}): AgentRestart {
  if (opts.voluntary) return { ...s, restarts: [...s.restarts], lastStart: now, lastError: null };
  const restarts = [...s.restarts.filter((t) => now - t < cfg.crash_loop_window), now];
  const n = restarts.length;
  const crashLoop = s.crashLoop ? { ...s.crashLoop } : n >= cfg.crash_loop_count ? { since: now, alerted: false } : null;
  return { restarts, backoffUntil: now + backoffFor(n, cfg), lastStart: now, crashLoop, lastError: null };
}

/** act calls this when a start it tried failed; the next decide reports it. */
export function recordStartFailure(s: AgentRestart, now: number, message: string): AgentRestart {
  return { ...s, restarts: [...s.restarts], lastError: { at: now, message } };
}

/**
 * After stable_after without a start the agent has either run stable or sat out its crash loop
 * long enough: forget restarts, backoff and the crash loop so it is tried again. lastStart and
 * lastError stay (grace and error reporting still need them).
 */
export function decay(s: AgentRestart, now: number, cfg: RestartConfig): AgentRestart {
  const quiet = s.lastStart === 0 || now - s.lastStart >= cfg.stable_after;
  if (!quiet || (s.restarts.length === 0 && s.backoffUntil === 0 && s.crashLoop === null)) return s;
  return { ...s, restarts: [], backoffUntil: 0, crashLoop: null };
}

/** `gt daemon clear-backoff`: a person says "try again now". */
export function clear(s: AgentRestart): AgentRestart {
  return { ...s, restarts: [], backoffUntil: 0, crashLoop: null, lastError: null };
}

export function agentRestart(state: RestartState, identity: string): AgentRestart {
  return Object.prototype.hasOwnProperty.call(state.agents, identity) ? state.agents[identity]! : emptyAgentRestart();
}

export function withAgentRestart(state: RestartState, identity: string, s: AgentRestart): RestartState {
  return { version: 1, agents: { ...state.agents, [identity]: s } };
}

/** Convenience for act: report a failed start of `identity`. */
export function reportStartFailure(state: RestartState, identity: string, now: number, message: string): RestartState {
  return withAgentRestart(state, identity, recordStartFailure(agentRestart(state, identity), now, message));
}

/** `gt daemon clear-backoff <agent>` (or every agent when identity is omitted). */
export function clearBackoff(state: RestartState, identity?: string): RestartState {
  const agents: Record<string, AgentRestart> = {};
  for (const [id, s] of Object.entries(state.agents)) agents[id] = identity === undefined || id === identity ? clear(s) : s;
  return { version: 1, agents };
}

export function loadRestartState(path: string): Loaded<RestartState> {
  return loadStateFile(path, restartStateSchema, RESTART_STATE_LABEL, emptyRestartState);
}

export function saveRestartState(path: string, state: RestartState): void {
  saveStateFile(path, restartStateSchema, state);
}

import { z } from 'zod';
import type { Settings } from '../../config/settings.js';
import { loadStateFile, saveStateFile, type Loaded } from './persist.js';

/**
 * Restart tracker: per agent identity, the run the daemon last saw, how the last one ended, and
 * the backoff and crash-loop breaker that follow from deaths. Pure functions over plain data; the
 * daemon persists the whole map in daemon/restart_state.json, so a death is noticed (and counted
 * the same way) even when the daemon itself was down while it happened.
 *
 * The rules (restart.* settings):
 *   - A start is not a restart and counts for nothing. Only deaths count.
 *   - A death after a run of at least min_uptime, and the first death after a start, are
 *     restarted at once. Each further death after a short run backs off, from the death:
 *     initial_backoff, then doubling (multiplier) up to max_backoff.
 *   - Short runs are the crashes: crash_loop_count of them within crash_loop_window is a crash
 *     loop (no more automatic starts), which decays after stable_after without a crash.
 *   - A deliberate stop (gt down, a lifecycle shutdown, parking a rig) is not a crash; it ends the
 *     run without counting, and a `held` stop also keeps the agent down until someone starts it.
 *   - Runs of at least min_uptime that end before the agent ever reported working or idle are
 *     counted too (noProgress): after max_without_progress restarts in a row brought no progress
 *     the agent is `stalled` (no more automatic starts) until a person clears it, since a stuck
 *     agent that is restarted every 15-20 minutes never reaches the crash loop.
 */

export type RestartConfig = Settings['restart'];

/** A run of the agent as the daemon saw it alive: since when (its real start), and its process. */
export interface Run {
  since: number;
  pid?: number;
  /** The agent reported working or idle during this run (a heartbeat report since its start). */
  progressed?: boolean;
}

export interface Exit {
  /** When the end was seen (a death) or made (a stop). */
  at: number;
  /** How long the run lasted (an upper bound when the death was seen late). */
  ranMs: number;
  /** Exit status, where tmux could tell it (a dead pane). */
  status?: number;
  /** Signal number that ended it, where tmux could tell it. */
  signal?: number;
  /** A deliberate stop: by whom or why (not a crash). */
  stoppedBy?: string;
  /** Why the daemon ended the run itself (heartbeat very stale, marked dead), if it did. */
  cause?: string;
  /** The run was shorter than min_uptime and counted as a crash. */
  crash: boolean;
}

export interface CrashLoop {
  /** When the crash that reached crash_loop_count happened. */
  since: number;
  /** The CRASH_LOOP alert was sent (shown by `gt agents --json`). */
  alerted: boolean;
}

export interface StartError {
  at: number;
  message: string;
}

export interface Hold {
  at: number;
  reason: string;
}

/** A usage-limit episode (policy/usage-limit.ts): the resume time is fixed when first seen. */
export interface LimitEpisode {
  /** When the limit was first reported or seen. */
  since: number;
  /** When the daemon wakes it (the reset shown, else since + agents_health.usage_limit_pause). */
  resumeAt: number;
  /** The reset time came from its screen (not the configured pause). */
  shown: boolean;
  /** When it was nudged to resume (once per episode), or null. */
  nudged: number | null;
}

/** Restarts stopped because they brought no progress (see noProgress). */
export interface Stall {
  /** When the run that crossed restart.max_without_progress ended. */
  since: number;
  /** Runs in a row that ended without a report of progress. */
  runs: number;
  /** The NO_PROGRESS alert was sent. */
  alerted: boolean;
}

export interface AgentRestart {
  /** The run last seen alive, until its end is seen: a death survives a daemon restart. */
  running: Run | null;
  /** The latest start: the real start of the latest run, or the daemon's latest attempt (0 = never). */
  lastStart: number;
  /** Consecutive deaths after short runs since the last start that was not a restart (a long run, a deliberate stop). */
  shortRuns: number;
  /** Times of short-run deaths (crashes); the latest is never dropped before decay. */
  crashes: number[];
  /** No automatic start before this time. */
  backoffUntil: number;
  crashLoop: CrashLoop | null;
  lastExit: Exit | null;
  /** A start act tried that failed; decide turns it into CRASHED_POLECAT mail. */
  lastError: StartError | null;
  /** Stopped deliberately and kept down: not started automatically until released. */
  held: Hold | null;
  /** Runs in a row (of at least min_uptime) that ended before the agent reported working or idle. */
  noProgress: number;
  /** Restarts stopped for want of progress; cleared by a person (gt daemon clear-backoff) or by progress. */
  stalled: Stall | null;
  /** At its usage limit: not restarted, nudged or counted until resumeAt. */
  usageLimit: LimitEpisode | null;
}

export interface RestartState {
  version: 2;
  agents: Record<string, AgentRestart>;
}

export type StartVerdict =
  | { ok: true }
  | { ok: false; reason: 'backoff'; until: number }
  | { ok: false; reason: 'crash-loop'; since: number }
  | { ok: false; reason: 'held'; hold: Hold }
  | { ok: false; reason: 'no-progress'; stall: Stall };

const time = z.number().finite().nonnegative();
const runSchema = z.object({ since: time, pid: z.number().int().positive().optional(), progressed: z.boolean().optional() }).strict();
const exitSchema = z
  .object({
    at: time,
    ranMs: time,
    status: z.number().int().optional(),
    signal: z.number().int().optional(),
    stoppedBy: z.string().optional(),
    cause: z.string().optional(),
    crash: z.boolean(),
  })
  .strict();
const crashLoopSchema = z.object({ since: time, alerted: z.boolean() }).strict();
const startErrorSchema = z.object({ at: time, message: z.string() }).strict();

export const agentRestartSchema = z
  .object({
    running: runSchema.nullable(),
    lastStart: time,
    shortRuns: z.number().int().nonnegative(),
    crashes: z.array(time),
    backoffUntil: time,
    crashLoop: crashLoopSchema.nullable(),
    lastExit: exitSchema.nullable(),
    lastError: startErrorSchema.nullable(),
    held: z.object({ at: time, reason: z.string() }).strict().nullable(),
    // Absent in files written before the no-progress rule: nothing counted yet.
    noProgress: z.number().int().nonnegative().default(0),
    stalled: z.object({ since: time, runs: z.number().int().nonnegative(), alerted: z.boolean() }).strict().nullable().default(null),
    usageLimit: z.object({ since: time, resumeAt: time, shown: z.boolean(), nudged: time.nullable() }).strict().nullable().default(null),
  })
  .strict();

/** The first format (one start counted as one restart): read so an upgrade keeps backoff and crash loops. */
const v1AgentSchema = z
  .object({
    restarts: z.array(time),
    backoffUntil: time,
    lastStart: time,
    crashLoop: crashLoopSchema.nullable(),
    lastError: startErrorSchema.nullable().prefault(null),
  })
  .strict();

export const restartStateSchema = z.union([
  z.object({ version: z.literal(2), agents: z.record(z.string().min(1), agentRestartSchema) }).strict(),
  z
    .object({ version: z.literal(1), agents: z.record(z.string().min(1), v1AgentSchema) })
    .strict()
    .transform(
      (v1): RestartState => ({
        version: 2,
        agents: Object.fromEntries(
          Object.entries(v1.agents).map(([id, a]) => [
            id,
            { ...emptyAgentRestart(), lastStart: a.lastStart, backoffUntil: a.backoffUntil, crashLoop: a.crashLoop, lastError: a.lastError, crashes: a.crashLoop ? [a.crashLoop.since] : [] },
          ]),
        ),
      }),
    ),
]);

export const RESTART_STATE_LABEL = 'daemon/restart_state.json';

export function emptyAgentRestart(): AgentRestart {
  return { running: null, lastStart: 0, shortRuns: 0, crashes: [], backoffUntil: 0, crashLoop: null, lastExit: null, lastError: null, held: null, noProgress: 0, stalled: null, usageLimit: null };
}

export function emptyRestartState(): RestartState {
  return { version: 2, agents: {} };
}

/**
 * The backoff after the k-th consecutive short run: none for the first (restarted at once), then
 * initial_backoff, doubling by multiplier, capped at max_backoff.
 */
export function backoffFor(k: number, cfg: RestartConfig): number {
  if (k <= 1) return 0;
  return Math.min(cfg.initial_backoff * cfg.multiplier ** (k - 2), cfg.max_backoff);
}

export function canStart(s: AgentRestart, now: number): StartVerdict {
  if (s.crashLoop) return { ok: false, reason: 'crash-loop', since: s.crashLoop.since };
  if (s.stalled) return { ok: false, reason: 'no-progress', stall: s.stalled };
  if (s.held) return { ok: false, reason: 'held', hold: s.held };
  if (now < s.backoffUntil) return { ok: false, reason: 'backoff', until: s.backoffUntil };
  return { ok: true };
}

/** Two sightings of one run: the same process (and start), allowing for clock granularity. */
export function sameRun(a: Run, b: Run): boolean {
  if (a.pid !== undefined && b.pid !== undefined && a.pid !== b.pid) return false;
  return Math.abs(a.since - b.since) < 2_000;
}

/** The agent is seen running: this run is the one whose end will be noticed. A running agent is not held. */
export function recordRun(s: AgentRestart, run: Run): AgentRestart {
  return { ...s, crashes: [...s.crashes], running: { since: run.since, ...(run.pid !== undefined ? { pid: run.pid } : {}) }, lastStart: run.since, lastError: null, held: null };
}

/** The agent reported working or idle in its current run: restarts brought progress again. */
export function recordProgress(s: AgentRestart): AgentRestart {
  if (!s.running || (s.running.progressed && s.noProgress === 0 && !s.stalled)) return s;
  return { ...s, crashes: [...s.crashes], running: { ...s.running, progressed: true }, noProgress: 0, stalled: null };
}

/** decide chose to start it now: spawning grace and boot's cooldown count from here until the run is seen. */
export function recordAttempt(s: AgentRestart, now: number): AgentRestart {
  return { ...s, crashes: [...s.crashes], lastStart: now };
}

export interface Death {
  at: number;
  ranMs: number;
  status?: number;
  signal?: number;
  cause?: string;
}

/**
 * The run ended without anyone meaning it to (or the daemon ended a sick one). A long run resets
 * the short-run count; a short one is a crash: it counts towards the crash loop and, from the
 * second in a row, backs off from the death.
 */
export function recordDeath(s: AgentRestart, d: Death, cfg: RestartConfig): AgentRestart {
  const crash = d.ranMs < cfg.min_uptime;
  const crashes = crash ? [...s.crashes.filter((t) => d.at - t < cfg.crash_loop_window), d.at] : [...s.crashes];
  const shortRuns = crash ? s.shortRuns + 1 : 0;
  const backoff = backoffFor(shortRuns, cfg);
  const inWindow = crashes.filter((t) => d.at - t < cfg.crash_loop_window).length;
  const crashLoop = s.crashLoop ? { ...s.crashLoop } : crash && inWindow >= cfg.crash_loop_count ? { since: d.at, alerted: false } : null;
  const exit: Exit = { at: d.at, ranMs: Math.max(0, d.ranMs), crash };
  if (d.status !== undefined) exit.status = d.status;
  if (d.signal !== undefined) exit.signal = d.signal;
  if (d.cause !== undefined) exit.cause = d.cause;
  // Short runs are the crash loop's to count; a long run that never reported progress is this rule's.
  const noProgress = s.running?.progressed ? 0 : crash ? s.noProgress : s.noProgress + 1;
  const stalled = s.stalled ? { ...s.stalled } : noProgress > cfg.max_without_progress ? { since: d.at, runs: noProgress, alerted: false } : null;
  return { ...s, running: null, shortRuns, crashes, backoffUntil: backoff ? d.at + backoff : 0, crashLoop, lastExit: exit, noProgress, stalled };
}

/**
 * A deliberate stop: the run ends without counting, the short-run count starts over (the next
 * start is a first start), and with `hold` the agent stays down until released.
 */
export function recordStop(s: AgentRestart, at: number, by: string, opts: { hold?: boolean } = {}): AgentRestart {
  const exit: Exit | null = s.running ? { at, ranMs: Math.max(0, at - s.running.since), stoppedBy: by, crash: false } : s.lastExit;
  return { ...s, crashes: [...s.crashes], running: null, shortRuns: 0, backoffUntil: 0, lastExit: exit, held: opts.hold ? { at, reason: by } : s.held };
}

/** Someone asked for it to run again (`gt up`): a held agent may be started. */
export function release(s: AgentRestart): AgentRestart {
  return s.held ? { ...s, crashes: [...s.crashes], held: null } : s;
}

/** act calls this when a start it tried failed; the next decide reports it. */
export function recordStartFailure(s: AgentRestart, now: number, message: string): AgentRestart {
  return { ...s, crashes: [...s.crashes], lastError: { at: now, message } };
}

/** The latest crash (0 = none): decay counts from it. */
export function lastCrash(s: AgentRestart): number {
  return Math.max(s.crashes.at(-1) ?? 0, s.crashLoop?.since ?? 0);
}

/** Crashes within crash_loop_window of `now` (what `gt agents` shows). */
export function crashesInWindow(s: AgentRestart, now: number, cfg: RestartConfig): number {
  return s.crashes.filter((t) => now - t < cfg.crash_loop_window).length;
}

/**
 * After stable_after without a crash the agent has either run stable or sat out its crash loop
 * long enough: forget the crashes, the backoff and the crash loop so it is tried again. The run,
 * the last exit and the last error stay.
 */
export function decay(s: AgentRestart, now: number, cfg: RestartConfig): AgentRestart {
  const last = lastCrash(s);
  const nothing = s.crashes.length === 0 && s.shortRuns === 0 && s.backoffUntil === 0 && s.crashLoop === null;
  if (nothing || now - last < cfg.stable_after) return s;
  return { ...s, crashes: [], shortRuns: 0, backoffUntil: 0, crashLoop: null };
}

/** When decay would next change `s` (undefined: it would not). */
export function decaysAt(s: AgentRestart, cfg: RestartConfig): number | undefined {
  const nothing = s.crashes.length === 0 && s.shortRuns === 0 && s.backoffUntil === 0 && s.crashLoop === null;
  return nothing ? undefined : lastCrash(s) + cfg.stable_after;
}

/** `gt daemon clear-backoff`: a person says "try again now" (after a crash loop or a stall). */
export function clear(s: AgentRestart): AgentRestart {
  return { ...s, crashes: [], shortRuns: 0, backoffUntil: 0, crashLoop: null, lastError: null, noProgress: 0, stalled: null };
}

export function agentRestart(state: RestartState, identity: string): AgentRestart {
  return Object.prototype.hasOwnProperty.call(state.agents, identity) ? state.agents[identity]! : emptyAgentRestart();
}

export function withAgentRestart(state: RestartState, identity: string, s: AgentRestart): RestartState {
  return { version: 2, agents: { ...state.agents, [identity]: s } };
}

/** Apply `f` to one agent's record (created empty when missing). */
export function updateAgent(state: RestartState, identity: string, f: (s: AgentRestart) => AgentRestart): RestartState {
  return withAgentRestart(state, identity, f(agentRestart(state, identity)));
}

/** Convenience for act: report a failed start of `identity`. */
export function reportStartFailure(state: RestartState, identity: string, now: number, message: string): RestartState {
  return updateAgent(state, identity, (s) => recordStartFailure(s, now, message));
}

/** `gt daemon clear-backoff <agent>` (or every agent when identity is omitted). */
export function clearBackoff(state: RestartState, identity?: string): RestartState {
  const agents: Record<string, AgentRestart> = {};
  for (const [id, s] of Object.entries(state.agents)) agents[id] = identity === undefined || id === identity ? clear(s) : s;
  return { version: 2, agents };
}

/** `gt down`: every run it ended was a deliberate stop (not a crash); nothing is held. */
export function stopAll(state: RestartState, at: number, by: string): RestartState {
  const agents: Record<string, AgentRestart> = {};
  for (const [id, s] of Object.entries(state.agents)) agents[id] = s.running ? recordStop(s, at, by) : s;
  return { version: 2, agents };
}

export function loadRestartState(path: string): Loaded<RestartState> {
  return loadStateFile(path, restartStateSchema, RESTART_STATE_LABEL, emptyRestartState);
}

export function saveRestartState(path: string, state: RestartState): void {
  saveStateFile(path, restartStateSchema, state);
}

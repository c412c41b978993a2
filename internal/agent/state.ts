/**
 * The agent state model: one answer to "what is this agent doing?", from three sources, most
 * trusted first:
 *
 *   1. liveness      no agent process -> dead (whatever its last report said)
 *   2. the screen    a recognised blocking screen (trust, login, API-key, bypass confirm,
 *                    permission prompt, usage limit) -> blocked: <kind>; it is what the agent
 *                    shows now, whatever the last hook said
 *   3. its own report the heartbeat file its CLI's hooks (or gt commands, or the sim) write:
 *                    working (inside a turn), idle (at its prompt), blocked (reason)
 *
 * An alive agent with no report since its session started is `starting`. Kept zod-free and pure
 * (no clock, no files): `gt agents`, `gt status` and the daemon all ask here.
 */
import type { Liveness } from './liveness.js';

export type ActivityState = 'starting' | 'working' | 'idle' | 'blocked' | 'dead';

/** What a screen recogniser says (internal/agent/screens): a blocking screen and why. */
export interface ScreenVerdictLike {
  kind: string;
  reason: string;
  /** Epoch ms when a usage limit resets, when the screen shows it. */
  resetAt?: number;
}

/** The parts of a heartbeat file the state model reads (`.runtime/heartbeats/<session>.json`). */
export interface HeartbeatLike {
  timestamp: string;
  state: string;
  since?: string;
  event?: string;
  reason?: string;
  error?: string;
  message?: string;
  runtime?: string;
}

export interface StateInputs {
  liveness: Liveness;
  /** The heartbeat file; undefined/null when missing or unreadable. */
  heartbeat?: HeartbeatLike | null;
  /** A blocking screen recognised in the pane just now, if any. */
  screen?: ScreenVerdictLike | null;
  /** When the agent's current session was created (epoch ms), if it exists. */
  sessionCreated?: number;
  /** When its oldest open question (`gt ask`) was asked (ISO), if it has one. */
  askedAt?: string;
}

export interface Activity {
  state: ActivityState;
  /** Why it is blocked (permission, question, login, usage-limit, trust, ...). */
  reason?: string;
  /** Since when (ISO): the state's start as its reporter knows it; null when unknown. */
  since: string | null;
  /** The last sign of life (heartbeat timestamp, ISO), if any. */
  last_seen: string | null;
  /** Who said so. */
  source: 'liveness' | 'screen' | 'heartbeat' | 'session';
  /** The hook event that wrote the report (e.g. PostToolUse). */
  event?: string;
  /** The API error that ended the last turn (e.g. server_error) and its message, when there was one. */
  error?: string;
  message?: string;
  /** A usage limit's reset (ISO), when a screen showed it. */
  reset_at?: string;
  /** The blocking screen by name (e.g. "Claude Code's folder trust dialog"), when a screen said so. */
  screen?: string;
}

/** Report states of the shared contract, and the activity each means. Unknown strings: no report. */
const REPORTED: Readonly<Record<string, ActivityState>> = {
  starting: 'starting',
  spawning: 'starting',
  working: 'working',
  idle: 'idle',
  // A polecat that ran `gt done` sits at its prompt with nothing left to do.
  done: 'idle',
  blocked: 'blocked',
  stuck: 'blocked',
};

/**
 * An agent at its prompt while its own question is open waits for a person: a CLI may move a long
 * `gt ask` to the background (Claude Code does at its Bash timeout) and end the turn, so the hook
 * reports idle while the question still waits. It is not idle with work on its hook (no GUPP).
 * Working stays working: the agent may go on with something else while the question waits.
 */
export function withOpenQuestion<S extends ActivityState>(reported: S | undefined, asking: boolean): S | 'blocked' | undefined {
  return asking && reported === 'idle' ? 'blocked' : reported;
}

/** What a report's state means (the shared contract); undefined for a string that is no report. */
export function reportedActivity(state: string): Exclude<ActivityState, 'dead'> | undefined {
  return Object.hasOwn(REPORTED, state) ? (REPORTED[state] as Exclude<ActivityState, 'dead'>) : undefined;
}

const iso = (ms: number | undefined): string | null => (ms !== undefined && Number.isFinite(ms) ? new Date(ms).toISOString() : null);

export function agentActivity(inp: StateInputs): Activity {
  const hb = inp.heartbeat ?? undefined;
  const hbAt = hb ? Date.parse(hb.timestamp) : NaN;
  const lastSeen = Number.isFinite(hbAt) ? hb!.timestamp : null;
  if (inp.liveness === 'dead' || inp.liveness === 'zombie') {
    return { state: 'dead', since: null, last_seen: lastSeen, source: 'liveness' };
  }
  if (inp.screen) {
    return {
      state: 'blocked',
      reason: inp.screen.kind,
      since: null,
      last_seen: lastSeen,
      source: 'screen',
      screen: inp.screen.reason,
      ...(inp.screen.resetAt !== undefined ? { reset_at: iso(inp.screen.resetAt)! } : {}),
    };
  }
  // A report older than the session is the previous incarnation's: not this agent's word.
  // tmux records creation in whole seconds, so a report in the same second still counts.
  const current = hb && Number.isFinite(hbAt) && (inp.sessionCreated === undefined || hbAt >= Math.floor(inp.sessionCreated / 1000) * 1000);
  const reported = current ? REPORTED[hb!.state] : undefined;
  if (!reported) return { state: 'starting', since: iso(inp.sessionCreated), last_seen: lastSeen, source: 'session' };
  if (withOpenQuestion(reported, inp.askedAt !== undefined) !== reported) {
    return { state: 'blocked', reason: 'question', since: inp.askedAt!, last_seen: lastSeen, source: 'heartbeat', ...(hb!.event ? { event: hb!.event } : {}) };
  }
  const out: Activity = { state: reported, since: hb!.since && Number.isFinite(Date.parse(hb!.since)) ? hb!.since : hb!.timestamp, last_seen: lastSeen, source: 'heartbeat' };
  if (reported === 'blocked') out.reason = hb!.reason ?? (hb!.state === 'stuck' ? 'stuck' : 'unknown');
  if (hb!.event) out.event = hb!.event;
  if (hb!.error) out.error = hb!.error;
  if (hb!.message) out.message = hb!.message;
  return out;
}

/** `working 2m`, `blocked: permission 30s`, `idle (api error: Connection refused)`: one cell for tables. */
export function activityText(a: Activity, now: number): string {
  const head = a.state === 'blocked' ? `blocked: ${a.reason ?? 'unknown'}` : a.state;
  const since = a.since ? Date.parse(a.since) : NaN;
  const age = Number.isFinite(since) ? ` ${shortAge(Math.max(0, now - since))}` : '';
  const err = a.error && a.state !== 'blocked' ? ` (${a.message ? a.message : `api error: ${a.error}`})` : '';
  return `${head}${age}${err}`;
}

function shortAge(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  return h < 48 ? `${h}h${m % 60 ? `${m % 60}m` : ''}` : `${Math.floor(h / 24)}d`;
}

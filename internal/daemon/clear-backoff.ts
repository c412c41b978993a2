import { GtError } from '../errors.js';
import { lockExclusive } from '../fsx/flock.js';
import { resolveAgent } from '../session/resolve.js';
import type { TownLayout } from '../town/layout.js';
import { readRigs } from '../town/rigs.js';
import { agentRestart, clearBackoff, loadRestartState, saveRestartState, type AgentRestart } from './policy/index.js';
import { signalVerifiedDaemon, type DaemonNotice } from './probe.js';

/** How long to wait for a tick that holds the restart state lock. */
const LOCK_TIMEOUT_MS = 30_000;

export interface ClearedAgent {
  agent: string;
  was: { crashes: number; next_attempt: string | null; crash_loop: string | null; no_progress: { since: string; runs: number } | null };
}

export interface ClearBackoffResult {
  cleared: ClearedAgent[];
  /** The one agent asked for had no restart record. */
  not_found: string | null;
  daemon: DaemonNotice;
  /** The restart state file was unreadable and read as empty (say so to the person). */
  warning?: string;
}

function describe(s: AgentRestart, now: number): ClearedAgent['was'] {
  return {
    crashes: s.crashes.length,
    next_attempt: s.backoffUntil > now ? new Date(s.backoffUntil).toISOString() : null,
    crash_loop: s.crashLoop ? new Date(s.crashLoop.since).toISOString() : null,
    no_progress: s.stalled ? { since: new Date(s.stalled.since).toISOString(), runs: s.stalled.runs } : null,
  };
}

/**
 * Forget one agent's (or, with `input` undefined, every agent's) restart backoff and crash loop:
 * daemon/restart_state.json is changed under the daemon's lock, so a running tick cannot
 * overwrite it, then the verified daemon gets SIGUSR2 and reloads it. `gt daemon clear-backoff`
 * and the dashboard both come through here.
 */
export async function clearAgentBackoff(layout: TownLayout, input: string | undefined): Promise<ClearBackoffResult> {
  // Resolve before locking: a typo should not wait for a tick. An agent of a removed rig can still
  // be named by its identity exactly as the restart state records it.
  let identity: string | undefined;
  let resolveError: GtError | undefined;
  if (input !== undefined) {
    try {
      identity = resolveAgent(input, readRigs(layout)).identity;
    } catch (e) {
      if (!(e instanceof GtError)) throw e;
      resolveError = e;
    }
  }

  const lock = await lockExclusive(layout.restartStateLock, LOCK_TIMEOUT_MS);
  if (!lock) throw new GtError('LOCK_HELD', `daemon/restart_state.json is locked for more than ${LOCK_TIMEOUT_MS / 1000}s`, { hint: 'a daemon tick may be stuck; see gt daemon logs' });
  const now = Date.now();
  const cleared: ClearedAgent[] = [];
  let notFound: string | null = null;
  let warning: string | undefined;
  try {
    const loaded = loadRestartState(layout.restartState);
    warning = loaded.warning;
    const state = loaded.state;
    if (resolveError) {
      if (!Object.hasOwn(state.agents, input!)) throw resolveError;
      identity = input!;
    }
    const targets = identity !== undefined ? [identity] : Object.keys(state.agents).sort();
    for (const id of targets) {
      if (!Object.hasOwn(state.agents, id)) {
        notFound = id;
        continue;
      }
      cleared.push({ agent: id, was: describe(agentRestart(state, id), now) });
    }
    if (cleared.length > 0) saveRestartState(layout.restartState, clearBackoff(state, identity));
  } finally {
    lock.release();
  }

  const daemon: DaemonNotice = cleared.length > 0 ? await signalVerifiedDaemon(layout, 'SIGUSR2') : { notified: false, pid: null, reason: 'nothing to clear' };
  return { cleared, not_found: notFound, daemon, ...(warning ? { warning } : {}) };
}

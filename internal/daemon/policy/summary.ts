import { isManaged } from './agent-policy.js';
import { iso } from './messages.js';
import type { Observation } from './observation.js';
import { agentRestart, canStart, type RestartState } from './restart-tracker.js';

/**
 * Where each agent the daemon keeps running stands after a tick: what `gt up` reports (and waits
 * on) when it asks the daemon to reconcile. Pure: built from the tick's observation, the restart
 * state it saved and what act did.
 */

export type AgentStatus =
  /** Running when observed (nothing to do). */
  | 'running'
  /** Started or restarted this tick (its health window passed). */
  | 'started'
  | 'restarted'
  /** A start this tick failed. */
  | 'failed'
  /** A young session, still loading (startup grace); someone is starting it. */
  | 'starting'
  /** Down, and the restart rules hold it back until `until`. */
  | 'backoff'
  | 'crash-loop'
  /** Restarts stopped: they brought no progress (restart.max_without_progress). */
  | 'no-progress'
  /** Stopped on purpose (a lifecycle shutdown); `gt up` releases it. */
  | 'held'
  /** Down, and nothing started it this tick (a gate, a missing workdir, a polecat still spawning). */
  | 'down'
  /** tmux could not be asked. */
  | 'unknown';

export interface AgentSummary {
  identity: string;
  session: string;
  status: AgentStatus;
  detail?: string;
  /** For `backoff`: when the next attempt may come (ISO). */
  until?: string;
}

export interface StartResult {
  kind: 'start' | 'restart';
  ok: boolean;
  detail?: string;
}

/**
 * `startedSince`: the caller asked at that time (epoch ms); an agent seen running whose run began
 * since then was started for it (by an earlier tick of the daemon it launched, say), so it is
 * reported as started, not as already running.
 */
export function summarize(obs: Observation, restart: RestartState, starts: ReadonlyMap<string, StartResult>, startedSince?: number): AgentSummary[] {
  const out: AgentSummary[] = [];
  for (const a of obs.agents) {
    if (!isManaged(a) || a.rigInactive) continue;
    const id = a.spec.identity;
    const base = { identity: id, session: a.spec.session };
    const started = starts.get(id);
    if (started) {
      out.push({ ...base, status: !started.ok ? 'failed' : started.kind === 'start' ? 'started' : 'restarted', ...(started.detail ? { detail: started.detail } : {}) });
      continue;
    }
    if (a.liveness === 'alive') {
      const fresh = startedSince !== undefined && a.run !== undefined && a.run.since >= startedSince;
      out.push({ ...base, status: fresh ? 'started' : 'running' });
      continue;
    }
    if (a.liveness === 'unknown') {
      out.push({ ...base, status: a.graceEnds !== undefined ? 'starting' : 'unknown' });
      continue;
    }
    const t = agentRestart(restart, id);
    const v = canStart(t, obs.now);
    if (v.ok) out.push({ ...base, status: 'down', ...(obs.gates.estop || obs.gates.shutdownLock ? { detail: obs.gates.estop ? 'ESTOP is set' : 'gt down is running' } : {}) });
    else if (v.reason === 'backoff') out.push({ ...base, status: 'backoff', until: iso(v.until), ...(t.lastExit ? { detail: `died after a short run; backoff until ${iso(v.until)}` } : {}) });
    else if (v.reason === 'crash-loop') out.push({ ...base, status: 'crash-loop', detail: `since ${iso(v.since)} (gt daemon clear-backoff ${id})` });
    else if (v.reason === 'no-progress') out.push({ ...base, status: 'no-progress', detail: `${v.stall.runs} runs without progress since ${iso(v.stall.since)} (gt daemon clear-backoff ${id})` });
    else out.push({ ...base, status: 'held', detail: `${v.hold.reason} at ${iso(v.hold.at)}` });
  }
  return out;
}

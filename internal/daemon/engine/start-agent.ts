import { join } from 'node:path';
import { GtError, messageOf } from '../../errors.js';
import { agentBeadId, withLedger } from '../../ledger/index.js';
import { parseAddress } from '../../ledger/address.js';
import type { AgentState } from '../../ledger/schema.js';
import { checkWorktree } from '../../rig/worktree.js';
import { describeStartFailure, launchAgent, type LaunchContext } from '../../session/launch.js';
import type { AgentSpec } from '../../session/resolve.js';
import { SessionExistsError, sweepSessionLeftovers } from '../../tmux/index.js';
import type { TownLayout } from '../../town/layout.js';

/**
 * The one start path for an agent session: the daemon's starts and restarts, and `gt sling`'s
 * first start of its polecat, all come through here, so they are checked, described and recorded
 * the same way. It starts nothing a caller has not decided to start; deciding (backoff, crash
 * loop, gates) is the caller's business.
 */

export type StartOutcome =
  /**
   * Running after its health window (or its CLI's own ready report): `pid` is the pane's process
   * (the agent, which is exec'd); `settled`, what gt settled in the CLI's own files for it.
   */
  | { ok: true; pid: number; settled: string[] }
  /** Someone else started the session meanwhile; it was left alone. */
  | { ok: false; exists: true }
  /**
   * It did not start. `died` when the agent ran and died inside its health window (a run of
   * nearly nothing, with how it ended); otherwise it never ran (bad workdir, tmux error).
   */
  | { ok: false; exists?: false; message: string; died?: { status?: number; signal?: number }; settled?: string[] };

export interface StartOptions {
  /** Cancels the start's slow parts (a polecat worktree's git check). */
  signal?: AbortSignal;
  healthWindowMs?: number;
  /** Told which leftovers of the session's last run were ended before the start (pids). */
  onLeftovers?: (pids: number[]) => void;
  /** Record the start on the agent bead (default true; false in the daemon's degraded mode). */
  recordBead?: boolean;
  /** The agent bead's state once it runs; by default working with a hook, else idle (done stays done). */
  beadState?: (current: { hook_bead: string | null; agent_state: AgentState } | undefined) => AgentState;
}

export async function startAgent(layout: TownLayout, launch: LaunchContext, spec: AgentSpec, opts: StartOptions = {}): Promise<StartOutcome> {
  try {
    // A polecat runs in its git worktree: make sure it is still a usable checkout (this is the
    // rig's own git, which can hang; `signal` kills it when the caller's time is up).
    if (spec.role === 'polecat') await checkWorktree(join(layout.root, spec.workdir), opts.signal);
    // What the session's last run left behind (a crashed agent's setsid child still in its work
    // tree) ends first, so the new agent never shares its tree with the old one's children.
    const swept = await sweepSessionLeftovers(launch.tmux, spec.session);
    const ended = [...swept.terminated, ...swept.killed.filter((p) => !swept.terminated.includes(p))];
    if (ended.length > 0) opts.onLeftovers?.(ended);
    const r = await launchAgent(launch, spec, { healthWindowMs: opts.healthWindowMs });
    const settled = r.planned.plan.settled;
    if (r.died) {
      return {
        ok: false,
        message: describeStartFailure(r),
        died: { ...(r.exitStatus !== undefined ? { status: r.exitStatus } : {}), ...(r.signal !== undefined ? { signal: r.signal } : {}) },
        settled,
      };
    }
    if (opts.recordBead !== false) markStarted(layout, spec, opts.beadState);
    return { ok: true, pid: r.pid, settled };
  } catch (e) {
    if (e instanceof SessionExistsError) return { ok: false, exists: true };
    return { ok: false, message: e instanceof GtError ? e.line : messageOf(e) };
  }
}

/** A started agent is no longer dead: its bead says so, and says when (updated_at). */
function markStarted(layout: TownLayout, spec: AgentSpec, beadState: StartOptions['beadState']): void {
  try {
    withLedger(layout, (l) =>
      l.write(() => {
        const id = agentBeadId(parseAddress(spec.identity), spec.prefix);
        const cur = l.getAgentBead(id);
        const state = beadState ? beadState(cur) : cur?.hook_bead ? 'working' : cur?.agent_state === 'done' ? 'done' : 'idle';
        l.upsertAgentBead({ address: spec.identity, ...(spec.prefix ? { prefix: spec.prefix } : {}), session: spec.session, agent_state: state });
      }),
    );
  } catch {
    // The session runs; the bead catches up on the next start or the agent's next gt command.
  }
}

import { existsSync } from 'node:fs';
import { settledLiveness } from '../agent/liveness.js';
import { callMethod } from '../control/client.js';
import { RECONCILE, type ReconcileAgent, type ReconcileResult, type ReconcileStatus } from '../control/protocol/messages/reconcile.js';
import { loadLaunchContext } from '../session/context.js';
import { agentProcessNames, runtimeFor, type LaunchContext } from '../session/launch.js';
import { resolveAgent } from '../session/resolve.js';
import { snapshot } from '../tmux/index.js';
import { townLayout, type TownLayout } from '../town/layout.js';
import { startDaemon, type StartResult } from './start.js';

/**
 * `gt up`: one starter. It starts the daemon if needed and asks it (control socket, `reconcile`)
 * to bring the town's agents up now; the daemon does the starting, by its own rules, so nothing
 * races it. Then it waits (bounded) until what the daemon started is running, and reports.
 */

export type UpStatus = ReconcileStatus;

export interface UpOutcome {
  identity: string;
  session: string;
  runtime: string;
  status: UpStatus;
  detail?: string;
}

export interface UpResult {
  daemon: StartResult;
  /** A gate kept the daemon from starting anything (ESTOP, or gt down running). */
  gated: string | null;
  agents: UpOutcome[];
}

/** Statuses that mean "on its way": waited for until it runs (or the wait ends). */
const PENDING: ReadonlySet<UpStatus> = new Set(['started', 'restarted', 'starting']);
/** Statuses gt up reports as a failure (exit 1). */
export const UP_FAILED: ReadonlySet<UpStatus> = new Set(['failed', 'crash-loop', 'no-progress', 'down', 'unknown', 'starting']);

const POLL_MS = 100;

async function reconcile(layout: TownLayout, since: number): Promise<ReconcileResult> {
  return callMethod(layout.controlSocket, RECONCILE, { reason: 'gt up', release_held: true, since }, { timeoutMs: 120_000 });
}

export async function townUp(town: string, opts: { waitMs?: number } = {}): Promise<UpResult> {
  const layout = townLayout(town);
  // What the daemon starts from here on was started for this gt up (its first tick may beat us to it).
  const since = Date.now();
  const daemon = await startDaemon(layout);
  const ctx = loadLaunchContext(town);
  const first = await reconcile(layout, since);
  if (first.gated) {
    const gate = existsSync(layout.estop) ? 'ESTOP is set: the daemon starts nothing until gt thaw' : 'gt down is running: try again when it is done';
    return { daemon, gated: gate, agents: first.agents.map((a) => outcome(ctx, a)) };
  }
  const agents = new Map(first.agents.map((a) => [a.identity, outcome(ctx, a)]));
  await waitUntilRunning(layout, ctx, agents, opts.waitMs ?? 30_000, since);
  return { daemon, gated: null, agents: [...agents.values()] };
}

/**
 * What gt up reports once the daemon answered again. A run that began since gt up asked is one the
 * daemon started for it: a start, or a restart when it replaced something (a restart, or a session
 * that was still starting and never became the agent).
 */
function merged(was: UpStatus, now: UpStatus): UpStatus {
  if (now === 'started') return was === 'restarted' || was === 'starting' ? 'restarted' : 'started';
  if (now === 'running') return was === 'starting' ? 'running' : was;
  return now;
}

function outcome(ctx: LaunchContext, a: ReconcileAgent): UpOutcome {
  let runtime = '?';
  try {
    runtime = runtimeFor(ctx, resolveAgent(a.identity, ctx.rigs)).name;
  } catch {
    // A runtime the daemon could not resolve either: its detail says why.
  }
  return { identity: a.identity, session: a.session, runtime, status: a.status, ...(a.detail ? { detail: a.detail } : a.until ? { detail: `next attempt at ${a.until}` } : {}) };
}

/**
 * Wait until every agent the daemon started (or found still starting) runs. One that turns out
 * dead or a zombie is the daemon's to handle: it is asked again, and reports what it did.
 */
async function waitUntilRunning(layout: TownLayout, ctx: LaunchContext, agents: Map<string, UpOutcome>, waitMs: number, since: number): Promise<void> {
  const deadline = Date.now() + waitMs;
  const names = new Map<string, string[]>();
  for (const a of agents.values()) {
    try {
      names.set(a.identity, agentProcessNames(ctx, resolveAgent(a.identity, ctx.rigs)));
    } catch {
      names.set(a.identity, []);
    }
  }
  const settled = new Set<string>();
  for (;;) {
    const pending = [...agents.values()].filter((a) => PENDING.has(a.status) && !settled.has(a.identity));
    if (pending.length === 0) return;
    if (Date.now() >= deadline) {
      for (const a of pending) agents.set(a.identity, { ...a, status: 'starting', detail: `not running after ${Math.round(waitMs / 1000)}s (gt agents; gt daemon logs)` });
      return;
    }
    const snap = await snapshot(ctx.tmux);
    let askAgain = false;
    for (const a of pending) {
      const lv = settledLiveness(snap, a.session, names.get(a.identity) ?? [], undefined, ctx.settings.agents_health.startup_grace);
      if (lv.state === 'alive' && a.status !== 'starting') settled.add(a.identity);
      // Dead or a zombie: the daemon's to handle. A session that was still starting and now runs:
      // the daemon says whether it is the same run (it finished starting) or a new one (replaced).
      else if (lv.state !== 'unknown') askAgain = true;
    }
    if (askAgain) {
      const again = await reconcile(layout, since);
      for (const r of again.agents) {
        const cur = agents.get(r.identity);
        if (!cur || settled.has(r.identity) || !PENDING.has(cur.status)) continue;
        agents.set(r.identity, { ...outcome(ctx, r), status: merged(cur.status, r.status) });
      }
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

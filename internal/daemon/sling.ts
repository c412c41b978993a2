import { bootEpochMs, processStartEpochMs } from '../fsx/proc.js';
import { lockExclusive } from '../fsx/flock.js';
import { prepareSling, type PreparedSling, type QueuedSling, type SlingMode, type Slung } from '../rig/sling.js';
import { townLayout, type TownLayout } from '../town/layout.js';
import { startAgent } from './engine/start-agent.js';
import { loadRestartState, recordRun, saveRestartState, updateAgent, type Run } from './policy/index.js';
import { signalVerifiedDaemon } from './probe.js';

export interface SlingResult extends Slung {
  queued?: false;
  started: boolean;
  /** Started beyond rigs.<rig>.max_polecats or polecats.max, on purpose (gt sling --now). */
  over_cap: boolean;
  /** Why the session did not start (the hook stays; the daemon starts the polecat). */
  error?: string;
  /** What gt settled in the CLI's own files for this start (e.g. trust for the worktree). */
  settled?: string[];
}

/**
 * `gt sling`: hook the bead to a new polecat (rig/sling.ts), then start the polecat through the
 * one start path the daemon uses, and record the start in the restart tracker as a first start
 * (a run since now: not a restart, nothing counted). The daemon is woken so it looks at once (a
 * tmux server this start created gets its fast-path hooks). A start that fails leaves the hook:
 * the daemon starts the polecat once its spawning grace is over.
 */
export async function slingPolecat(
  town: string,
  beadId: string,
  rig: string,
  opts: {
    healthWindowMs?: number;
    mode?: SlingMode;
    /** Signal the daemon to look at once (default); the daemon's own dispatch does not. */
    wake?: boolean;
    /**
     * Who records the first run in the restart tracker: gt sling itself (default), or the caller
     * (the daemon's dispatch, which holds the tracker's lock for its tick).
     */
    recordRun?: (identity: string, run: Run) => void;
  } = {},
): Promise<SlingResult | QueuedSling> {
  const layout = townLayout(town);
  const prepared = await prepareSling(town, beadId, rig, opts.mode ?? 'queue');
  // Queued: the daemon dispatches it when a slot frees (woken now: a slot may be free already).
  if (prepared.queued) {
    if (opts.wake !== false) await signalVerifiedDaemon(layout, 'SIGUSR1');
    return prepared;
  }
  return startSlung(layout, prepared, opts);
}

/**
 * The second half of a sling: start the hooked polecat (its session and health window), outside
 * the rig's sling lock, so the daemon's dispatch can hook the next bead while this one starts.
 */
export async function startSlung(
  layout: TownLayout,
  prepared: PreparedSling,
  opts: { healthWindowMs?: number; wake?: boolean; recordRun?: (identity: string, run: Run) => void } = {},
): Promise<SlingResult> {
  const { slung, spec, launch, overCap } = prepared;
  // Only from spawning: a quick agent may already have finished (done) within the health window.
  const outcome = await startAgent(layout, launch, spec, { healthWindowMs: opts.healthWindowMs, beadState: (cur) => (cur?.agent_state === 'spawning' || !cur ? 'working' : cur.agent_state) });
  if (!outcome.ok) {
    const settled = outcome.exists ? [] : (outcome.settled ?? []);
    return { ...slung, started: false, over_cap: overCap, error: outcome.exists ? `session ${spec.session} already exists` : outcome.message, ...(settled.length ? { settled } : {}) };
  }
  const boot = bootEpochMs(Date.now());
  const run = { since: (boot !== undefined ? processStartEpochMs(outcome.pid, boot) : undefined) ?? Date.now(), pid: outcome.pid };
  if (opts.recordRun) opts.recordRun(spec.identity, run);
  else await recordFirstStart(layout, spec.identity, run);
  if (opts.wake !== false) await signalVerifiedDaemon(layout, 'SIGUSR1');
  return { ...slung, started: true, over_cap: overCap, ...(outcome.settled.length ? { settled: outcome.settled } : {}) };
}

/**
 * Under the restart-state lock, briefly: a daemon tick holds it for its whole length, and if it
 * is slow the daemon's next look records the run instead (it sees the polecat alive).
 */
async function recordFirstStart(layout: TownLayout, identity: string, run: Run): Promise<void> {
  const lock = await lockExclusive(layout.restartStateLock, 5_000);
  if (!lock) return;
  try {
    const loaded = loadRestartState(layout.restartState);
    if (loaded.warning) return;
    saveRestartState(layout.restartState, updateAgent(loaded.state, identity, (s) => recordRun(s, run)));
  } finally {
    lock.release();
  }
}

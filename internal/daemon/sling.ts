import { bootEpochMs, processStartEpochMs } from '../fsx/proc.js';
import { lockExclusive } from '../fsx/flock.js';
import { prepareSling, type Slung } from '../rig/sling.js';
import { townLayout, type TownLayout } from '../town/layout.js';
import { startAgent } from './engine/start-agent.js';
import { loadRestartState, recordRun, saveRestartState, updateAgent, type Run } from './policy/index.js';
import { signalVerifiedDaemon } from './probe.js';

export interface SlingResult extends Slung {
  started: boolean;
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
export async function slingPolecat(town: string, beadId: string, rig: string, opts: { healthWindowMs?: number } = {}): Promise<SlingResult> {
  const layout = townLayout(town);
  const { slung, spec, launch } = await prepareSling(town, beadId, rig);
  // Only from spawning: a quick agent may already have finished (done) within the health window.
  const outcome = await startAgent(layout, launch, spec, { healthWindowMs: opts.healthWindowMs, beadState: (cur) => (cur?.agent_state === 'spawning' || !cur ? 'working' : cur.agent_state) });
  if (!outcome.ok) {
    const settled = outcome.exists ? [] : (outcome.settled ?? []);
    return { ...slung, started: false, error: outcome.exists ? `session ${spec.session} already exists` : outcome.message, ...(settled.length ? { settled } : {}) };
  }
  const boot = bootEpochMs(Date.now());
  await recordFirstStart(layout, spec.identity, { since: (boot !== undefined ? processStartEpochMs(outcome.pid, boot) : undefined) ?? Date.now(), pid: outcome.pid });
  await signalVerifiedDaemon(layout, 'SIGUSR1');
  return { ...slung, started: true, ...(outcome.settled.length ? { settled: outcome.settled } : {}) };
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

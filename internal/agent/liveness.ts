/**
 * Liveness: the one place that decides whether an agent's process runs in its session. Everyone
 * (daemon, `gt agents`, `gt down`) asks here so they never disagree.
 *
 *   alive    the session exists and a process matching the runtime's names runs in it
 *   zombie   the session exists but the agent is gone: only shells (or other programs) are left,
 *            or every pane is dead
 *   dead     no such session
 *   unknown  tmux could not be asked; never act on it
 */
import type { Snapshot, SessionInfo } from '../tmux/snapshot.js';
import { compileProcessNames, type NameMatcher } from './process-names.js';
import { defaultProcSource, isShell, liveTree, processMatches, type ProcSource, type ProcTable } from './proctree.js';

export type Liveness = 'alive' | 'zombie' | 'dead' | 'unknown';

export interface LivenessDetail {
  state: Liveness;
  /** One line saying why, for logs and `gt agents`. */
  reason: string;
  /** The matching agent process, when alive. */
  pid?: number;
}

/** Resolve a ProcSource once, lazily: most sessions are decided by the pane command alone. */
function lazyTable(source: ProcSource): () => ProcTable {
  let t: ProcTable | undefined;
  return () => (t ??= typeof source === 'function' ? source() : source);
}

export function explainLiveness(
  snap: Snapshot,
  sessionName: string,
  processNames: readonly string[] | NameMatcher,
  procs: ProcSource = defaultProcSource,
): LivenessDetail {
  if (!snap.ok) return { state: 'unknown', reason: `tmux could not be asked: ${snap.error.message}` };
  const session: SessionInfo | undefined = snap.sessions.find((s) => s.name === sessionName);
  if (!session) return { state: 'dead', reason: 'no such session' };
  const match = typeof processNames === 'function' ? processNames : compileProcessNames(processNames);
  const live = session.panes.filter((p) => !p.dead);
  if (live.length === 0) return { state: 'zombie', reason: session.panes.length ? 'every pane is dead' : 'the session has no panes' };
  // Fast path: the foreground process tmux already named for us.
  for (const p of live) if (p.currentCommand && match(p.currentCommand)) return { state: 'alive', reason: `pane ${p.paneId} runs ${p.currentCommand}`, pid: p.pid };
  // Slow path: the agent may sit below a shell or a wrapper script, or run in the background of
  // a pane whose foreground is something else.
  const table = lazyTable(procs)();
  const tree = liveTree(
    table,
    live.map((p) => p.pid),
  );
  const hit = tree.find((p) => processMatches(p, match));
  if (hit) return { state: 'alive', reason: `process ${hit.pid} (${hit.comm}) runs in the session`, pid: hit.pid };
  if (tree.length === 0) return { state: 'zombie', reason: 'no process is left in the session' };
  const others = tree.filter((p) => !isShell(p));
  if (others.length === 0) return { state: 'zombie', reason: `only a shell is left (${[...new Set(tree.map((p) => p.comm))].join(', ')})` };
  return { state: 'zombie', reason: `the agent is not running; left: ${[...new Set(others.map((p) => p.comm))].slice(0, 5).join(', ')}` };
}

/**
 * The liveness of one session. `processNames` are the runtime's names (exact, a simple glob,
 * or `<version>` for a bare version number; see process-names.ts). `procs` is the /proc table (read lazily, only when
 * the pane command alone does not decide); pass one table to many calls in the same tick.
 */
export function liveness(snap: Snapshot, sessionName: string, processNames: readonly string[] | NameMatcher, procs?: ProcSource): Liveness {
  return explainLiveness(snap, sessionName, processNames, procs).state;
}

export interface SettledLiveness extends LivenessDetail {
  /** Set while a young session that looks like a zombie is still starting: when its grace ends. */
  graceEnds?: number;
}

/**
 * Liveness as everyone acts on it (the daemon's observe and its pre-kill re-check, `gt up`,
 * `gt agents`): explainLiveness, settled by the startup grace. Until its runtime has loaded, a
 * new agent's pane shows a placeholder, a shell or an interpreter, which looks exactly like a
 * zombie; whoever is starting it must be left to finish. So a zombie whose session was created
 * less than `graceMs` before the snapshot is `unknown` (never acted on) until `graceEnds`.
 * tmux records creation in whole seconds, so a session can look up to a second older than it is.
 */
export function settledLiveness(
  snap: Snapshot,
  sessionName: string,
  processNames: readonly string[] | NameMatcher,
  procs: ProcSource = defaultProcSource,
  graceMs: number,
): SettledLiveness {
  const d = explainLiveness(snap, sessionName, processNames, procs);
  if (d.state !== 'zombie' || !snap.ok) return d;
  const created = snap.sessions.find((x) => x.name === sessionName)?.created;
  const graceEnds = created === undefined ? undefined : created * 1000 + graceMs;
  if (graceEnds === undefined || snap.takenAt >= graceEnds) return d;
  return { state: 'unknown', reason: `starting (session ${Math.round((snap.takenAt - created! * 1000) / 1000)}s old, inside its startup grace): ${d.reason}`, graceEnds };
}

import { descendantPids, processStartTime, processState, readProcEnviron, readProcTable, type ProcInfo } from '../fsx/proc.js';
import { errnoCode } from '../errors.js';
import { TmuxError, isNotFoundMessage, isNoServerMessage } from './errors.js';
import { sessionTarget, validateSessionName } from './names.js';
import type { Tmux } from './run.js';
import { SESSION_MARKER_ENV, SOCKET_MARKER_ENV } from './session.js';
import { findSession, snapshot } from './snapshot.js';

export const DEFAULT_KILL_GRACE_MS = 2_000;

export interface KillSessionOptions {
  /** Time between SIGTERM and SIGKILL. */
  graceMs?: number;
  pollMs?: number;
  /** Pids never to signal (besides this process, its ancestors and the tmux server). */
  exclude?: Iterable<number>;
}

export interface KillSessionResult {
  /** The tmux session existed when we looked. */
  existed: boolean;
  /** Processes sent SIGTERM. */
  terminated: number[];
  /** Processes that outlived the grace period and were sent SIGKILL. */
  killed: number[];
}

/** The variable every process gt starts for a town carries (session/env.ts, the daemon's jobs). */
export const TOWN_MARKER_ENV = 'GT_TOWN_ROOT';

/**
 * With GT_TOWN_ROOT=<town>, one of these marks a process gt started for the town: an agent
 * session's (GT_SESSION, GT_ROLE) or a scheduled job's (GT_JOB). A shell where a person only
 * exported GT_TOWN_ROOT carries none of them and is never the town's.
 */
export const TOWN_PROCESS_MARKERS = ['GT_SESSION', 'GT_ROLE', 'GT_JOB'] as const;

/** "GT_SESSION=hq-mayor" when `env` marks a process of `town` (the one rule; gt down and gt doctor ask it), else undefined. */
export function townMarker(env: ReadonlyMap<string, string> | undefined, town: string): string | undefined {
  if (!env || env.get(TOWN_MARKER_ENV) !== town) return undefined;
  const m = TOWN_PROCESS_MARKERS.find((k) => env.has(k));
  return m ? `${m}=${env.get(m)}` : undefined;
}

/** A process we decided to signal, pinned by its start time so a recycled pid is never hit. */
interface Target {
  pid: number;
  startTime: number;
}

function ancestorsOfSelf(table: ReadonlyMap<number, ProcInfo>): Set<number> {
  const out = new Set<number>([process.pid]);
  let p = table.get(process.pid)?.ppid ?? process.ppid;
  while (p > 1 && !out.has(p)) {
    out.add(p);
    p = table.get(p)?.ppid ?? 0;
  }
  return out;
}

/**
 * The processes belonging to a session: the tree under each live pane's process, plus every
 * process (and its tree) whose initial environment carries this session's markers — that is how
 * a grandchild that left the tree with setsid or a double fork is still found.
 */
export function sessionProcesses(
  table: ReadonlyMap<number, ProcInfo>,
  socket: string,
  session: string,
  panePids: readonly number[],
  exclude: ReadonlySet<number>,
  readEnviron: (pid: number) => Map<string, string> | undefined = readProcEnviron,
): Target[] {
  const roots = new Set(panePids);
  for (const p of table.values()) {
    if (exclude.has(p.pid) || roots.has(p.pid) || p.state === 'Z') continue;
    const env = readEnviron(p.pid);
    if (env && env.get(SESSION_MARKER_ENV) === session && env.get(SOCKET_MARKER_ENV) === socket) roots.add(p.pid);
  }
  const out: Target[] = [];
  for (const pid of descendantPids(table, roots)) {
    const info = table.get(pid);
    if (!info || exclude.has(pid) || info.state === 'Z') continue;
    out.push({ pid, startTime: info.startTime });
  }
  return out;
}

/** Still the same live process we chose (not exited, not a zombie, pid not recycled)? */
function stillThere(t: Target): boolean {
  const st = processStartTime(t.pid);
  if (st === undefined || st !== t.startTime) return false;
  const state = processState(t.pid);
  return state !== undefined && state !== 'Z' && state !== 'X';
}

function signal(t: Target, sig: NodeJS.Signals): boolean {
  if (!stillThere(t)) return false;
  try {
    process.kill(t.pid, sig);
    return true;
  } catch (e) {
    // ESRCH: exited between the check and the signal, which is what we wanted anyway.
    if (errnoCode(e) === 'ESRCH') return false;
    throw e;
  }
}

/** SIGTERM every target (deepest first), wait up to `graceMs`, SIGKILL the survivors. */
async function terminate(targets: Target[], graceMs: number, pollMs: number): Promise<{ terminated: number[]; killed: number[] }> {
  // Deepest first: the agent hears TERM before the shell above it dies and tmux hangs up the pty.
  const terminated = [...targets].reverse().filter((t) => signal(t, 'SIGTERM')).map((t) => t.pid);
  const deadline = Date.now() + graceMs;
  let alive = targets.filter(stillThere);
  while (alive.length && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, pollMs));
    alive = alive.filter(stillThere);
  }
  const killed = alive.filter((t) => signal(t, 'SIGKILL')).map((t) => t.pid);
  return { terminated, killed };
}

/**
 * Kill a session and every process that belongs to it: SIGTERM all, wait up to the grace period,
 * SIGKILL the survivors (re-checking each pid's start time first), then kill-session. Killing a
 * session that does not exist is not an error. A session gt does not own is never touched: the
 * name is exact (`=name`) and only processes under its panes or carrying its markers are signalled.
 */
export async function killSession(tmux: Tmux, name: string, opts: KillSessionOptions = {}): Promise<KillSessionResult> {
  validateSessionName(name);
  const graceMs = opts.graceMs ?? DEFAULT_KILL_GRACE_MS;
  const pollMs = opts.pollMs ?? 50;
  const snap = await snapshot(tmux);
  // Without a snapshot we cannot tell which processes are the session's; signalling on a guess
  // is how the wrong process dies. The caller retries on its next tick.
  if (!snap.ok) throw snap.error;
  const session = findSession(snap, name);
  const table = readProcTable();
  const exclude = ancestorsOfSelf(table);
  for (const p of opts.exclude ?? []) exclude.add(p);
  if (snap.serverPid) exclude.add(snap.serverPid);
  const panePids = session ? session.panes.filter((p) => !p.dead).map((p) => p.pid) : [];
  const targets = sessionProcesses(table, tmux.socket, name, panePids, exclude);
  const { terminated, killed } = await terminate(targets, graceMs, pollMs);

  if (session) {
    const r = await tmux.run(['kill-session', '-t', sessionTarget(name)], { allowFailure: true });
    // The session usually closes by itself once its panes' processes are gone, and when it was
    // the server's last one the server exits under our feet ("server exited unexpectedly").
    if (!r.ok && !isNotFoundMessage(r.stderr) && !isNoServerMessage(r.stderr) && !/server exited unexpectedly/.test(r.stderr)) {
      throw new TmuxError(`tmux kill-session ${name} failed on socket ${tmux.socket}: ${r.stderr || `exit ${r.exitCode}`}`, { ...r, socket: tmux.socket });
    }
  }

  // Anything that started during the grace period (a shell forking as it dies) still carries the
  // markers; it gets no second grace period.
  const late = sessionProcesses(readProcTable(), tmux.socket, name, [], exclude).filter((t) => !targets.some((o) => o.pid === t.pid && o.startTime === t.startTime));
  for (const t of late) if (signal(t, 'SIGKILL')) killed.push(t.pid);

  return { existed: session !== undefined, terminated, killed };
}

export interface SweepResult {
  /** Processes sent SIGTERM. */
  terminated: number[];
  /** Processes that outlived the grace period and were sent SIGKILL. */
  killed: number[];
  /** Set when nothing was done, with the reason. */
  skipped?: string;
}

/**
 * One session's leftovers: processes that still carry its markers (GT_SESSION and the socket)
 * although the session is gone, e.g. a setsid child of a crashed agent. Run before the session
 * is started again so the new agent does not share its work tree with the old one's children.
 * Refuses (skipped) while the session exists: then they are not leftovers but its processes.
 */
export async function sweepSessionLeftovers(tmux: Tmux, name: string, opts: KillSessionOptions = {}): Promise<SweepResult> {
  validateSessionName(name);
  const snap = await snapshot(tmux);
  if (!snap.ok) return { terminated: [], killed: [], skipped: `tmux could not be asked: ${snap.error.message}` };
  if (findSession(snap, name)) return { terminated: [], killed: [], skipped: `session ${name} exists` };
  const table = readProcTable();
  const exclude = ancestorsOfSelf(table);
  for (const p of opts.exclude ?? []) exclude.add(p);
  if (snap.serverPid) exclude.add(snap.serverPid);
  return terminate(sessionProcesses(table, tmux.socket, name, [], exclude), opts.graceMs ?? DEFAULT_KILL_GRACE_MS, opts.pollMs ?? 50);
}

/**
 * The processes of a town: every process whose initial environment marks it as started for this
 * town (townMarker), whatever became of its session, and everything below the town's tmux server
 * (hooks, run-shell jobs, panes), with their trees.
 */
export function townProcesses(
  table: ReadonlyMap<number, ProcInfo>,
  town: string,
  serverPid: number | undefined,
  exclude: ReadonlySet<number>,
  readEnviron: (pid: number) => Map<string, string> | undefined = readProcEnviron,
): Target[] {
  const roots = new Set<number>();
  if (serverPid !== undefined) for (const p of table.values()) if (p.ppid === serverPid) roots.add(p.pid);
  for (const p of table.values()) {
    if (exclude.has(p.pid) || roots.has(p.pid) || p.state === 'Z') continue;
    if (townMarker(readEnviron(p.pid), town)) roots.add(p.pid);
  }
  const out: Target[] = [];
  for (const pid of descendantPids(table, roots)) {
    const info = table.get(pid);
    if (!info || exclude.has(pid) || pid === serverPid || info.state === 'Z') continue;
    out.push({ pid, startTime: info.startTime });
  }
  return out;
}

/**
 * `gt down`'s last sweep: end every process of the town (townProcesses), whether or not its
 * session still exists. What it cannot find: a process that cleared its environment and left
 * the server's tree (double fork to init) carries nothing that names the town.
 */
export async function sweepTown(tmux: Tmux, town: string, opts: KillSessionOptions = {}): Promise<SweepResult> {
  // The server's pid even when it has no session left (the snapshot names it only through panes).
  const r = await tmux.run(['display-message', '-p', '#{pid}'], { allowFailure: true });
  const n = Number(r.stdout.trim());
  const serverPid = r.ok && Number.isInteger(n) && n > 0 ? n : undefined;
  const table = readProcTable();
  const exclude = ancestorsOfSelf(table);
  for (const p of opts.exclude ?? []) exclude.add(p);
  return terminate(townProcesses(table, town, serverPid, exclude), opts.graceMs ?? DEFAULT_KILL_GRACE_MS, opts.pollMs ?? 50);
}

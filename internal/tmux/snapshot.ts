import { TmuxError } from './errors.js';
import type { Tmux } from './run.js';

/** One pane, as `list-panes -a` reports it. */
export interface PaneInfo {
  session: string;
  windowIndex: number;
  windowActive: boolean;
  /** Epoch seconds of the last output in the window. */
  windowActivity: number;
  paneIndex: number;
  /** `%N`: the exact way to target this pane. */
  paneId: string;
  paneActive: boolean;
  /** The pane's first process (the command the pane was started or respawned with). */
  pid: number;
  dead: boolean;
  /** Exit status of a dead pane's process (only while remain-on-exit keeps it). */
  deadStatus?: number;
  /** Signal number that killed a dead pane's process, when tmux reports one. */
  deadSignal?: number;
  /** Name of the pane's foreground process (basename of its argv[0]). */
  currentCommand: string;
}

export interface SessionInfo {
  name: string;
  /** Epoch seconds. */
  created: number;
  activity: number;
  panes: PaneInfo[];
}

export type Snapshot =
  | { ok: true; sessions: SessionInfo[]; serverPid?: number; takenAt: number }
  | { ok: false; error: TmuxError; takenAt: number };

/**
 * Unit separator: a control character tmux passes through unchanged and that cannot occur in a
 * validated session name; the free-text field (current command) is last, so even a process name
 * holding the separator cannot shift the other fields.
 */
export const FIELD_SEP = '\x1f';

export const SNAPSHOT_FIELDS = [
  'session_name',
  'session_created',
  'session_activity',
  'window_index',
  'window_active',
  'window_activity',
  'pane_index',
  'pane_id',
  'pane_active',
  'pane_pid',
  'pane_dead',
  'pane_dead_status',
  'pane_dead_signal',
  'pid',
  'pane_current_command',
] as const;

export const SNAPSHOT_FORMAT = SNAPSHOT_FIELDS.map((f) => `#{${f}}`).join(FIELD_SEP);

function int(s: string | undefined): number | undefined {
  if (s === undefined || s === '') return undefined;
  const n = Number(s);
  return Number.isInteger(n) ? n : undefined;
}

/**
 * Parse `list-panes -a -F SNAPSHOT_FORMAT` output. Lines that do not have the expected shape are
 * skipped rather than trusted (tmux never prints them; a partial line would be a truncated read).
 */
export function parseSnapshot(text: string, takenAt = Date.now()): Extract<Snapshot, { ok: true }> {
  const bySession = new Map<string, SessionInfo>();
  let serverPid: number | undefined;
  const n = SNAPSHOT_FIELDS.length;
  for (const line of text.split('\n')) {
    if (!line) continue;
    const parts = line.split(FIELD_SEP);
    if (parts.length < n) continue;
    const f = [...parts.slice(0, n - 1), parts.slice(n - 1).join(FIELD_SEP)];
    const [name, created, sActivity, wIndex, wActive, wActivity, pIndex, paneId, pActive, pid, dead, deadStatus, deadSignal, spid, cmd] = f as string[];
    const pidN = int(pid);
    if (!name || !paneId || !/^%\d+$/.test(paneId) || pidN === undefined) continue;
    serverPid ??= int(spid);
    let s = bySession.get(name);
    if (!s) {
      s = { name, created: int(created) ?? 0, activity: int(sActivity) ?? 0, panes: [] };
      bySession.set(name, s);
    }
    const isDead = dead === '1';
    const pane: PaneInfo = {
      session: name,
      windowIndex: int(wIndex) ?? 0,
      windowActive: wActive === '1',
      windowActivity: int(wActivity) ?? 0,
      paneIndex: int(pIndex) ?? 0,
      paneId,
      paneActive: pActive === '1',
      pid: pidN,
      dead: isDead,
      currentCommand: cmd ?? '',
    };
    if (isDead) {
      const st = int(deadStatus);
      const sig = int(deadSignal);
      if (st !== undefined) pane.deadStatus = st;
      if (sig !== undefined && sig > 0) pane.deadSignal = sig;
    }
    s.panes.push(pane);
  }
  const sessions = [...bySession.values()];
  for (const s of sessions) s.panes.sort((a, b) => a.windowIndex - b.windowIndex || a.paneIndex - b.paneIndex);
  sessions.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return serverPid === undefined ? { ok: true, sessions, takenAt } : { ok: true, sessions, serverPid, takenAt };
}

/**
 * Every session and pane on the server in ONE tmux call. No server (or no socket), or a server
 * with no sessions, is an empty snapshot: nothing runs. Any other failure is `ok: false`, which callers must read as "unknown",
 * never as "dead" — acting on a transient failure would kill or duplicate healthy agents.
 */
export async function snapshot(tmux: Tmux, opts: { timeoutMs?: number } = {}): Promise<Snapshot> {
  const takenAt = Date.now();
  let r;
  try {
    r = await tmux.run(['list-panes', '-a', '-F', SNAPSHOT_FORMAT], { allowFailure: true, timeoutMs: opts.timeoutMs });
  } catch (e) {
    return { ok: false, error: e instanceof TmuxError ? e : new TmuxError(`tmux list-panes failed: ${String(e)}`, { argv: [], exitCode: undefined, stderr: '', timedOut: false, socket: tmux.socket }), takenAt };
  }
  if (r.ok) return parseSnapshot(r.stdout, takenAt);
  const error = new TmuxError(r.timedOut ? `tmux list-panes timed out on socket ${tmux.socket}` : `tmux list-panes failed on socket ${tmux.socket}: ${r.stderr || `exit ${r.exitCode}`}`, {
    argv: r.argv,
    exitCode: r.exitCode,
    stderr: r.stderr,
    timedOut: r.timedOut,
    socket: tmux.socket,
  });
  if (!r.timedOut && error.noServer) return { ok: true, sessions: [], takenAt };
  // A server kept alive with no sessions (exit-empty off, see hooks.ts) has nothing to list.
  if (!r.timedOut && /no current target/.test(r.stderr)) return { ok: true, sessions: [], takenAt };
  return { ok: false, error, takenAt };
}

export function findSession(snap: Snapshot, name: string): SessionInfo | undefined {
  return snap.ok ? snap.sessions.find((s) => s.name === name) : undefined;
}

/** The pane keys go to: the active pane of the active window (first pane as a fallback). */
export function activePane(session: SessionInfo): PaneInfo | undefined {
  return session.panes.find((p) => p.windowActive && p.paneActive) ?? session.panes[0];
}

import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { GtError } from '../errors.js';
import { pidRunning } from '../fsx/proc.js';
import { SessionExistsError, TmuxError, isNoServerMessage, isNotFoundMessage } from './errors.js';
import { assertEnvName } from '../names.js';
import { validateEnvValue, validatePaneId, validateSessionName, sessionTarget } from './names.js';
import { escapeFormat } from './quote.js';
import type { Tmux } from './run.js';
import { findSession, snapshot, type PaneInfo } from './snapshot.js';

/** Marker variables set in every session gt creates; kill finds escaped processes by them. */
export const SESSION_MARKER_ENV = 'GT_SESSION';
export const SOCKET_MARKER_ENV = 'GT_TMUX_SOCKET';

export const DEFAULT_HEALTH_WINDOW_MS = 1_500;

/**
 * The pane's first process while remain-on-exit is switched on. It must outlive the two tmux
 * calls between new-session and respawn-pane and do nothing; respawn-pane -k replaces it.
 */
const PLACEHOLDER = ['sleep', '2147483647'];

export interface CreateSessionOptions {
  name: string;
  /** Working directory; must exist. */
  cwd: string;
  /** Extra environment for the session (the marker variables are added). */
  env?: Readonly<Record<string, string>>;
  /**
   * The program: an argv vector run directly (no shell), or a shell command line the caller has
   * built and quoted, run with /bin/sh -c (not the user's $SHELL, so its syntax is predictable).
   */
  command: readonly string[] | string;
  /** How long the command must survive to count as started. */
  healthWindowMs?: number;
  /**
   * A program that reports when it is up (an agent CLI's SessionStart hook): after the health
   * window, keep watching until this says yes or `readyTimeoutMs` has passed, so a program that
   * exits during a slow start (a CLI checking its service) is still a start failure with its output.
   */
  readyWhen?: () => boolean;
  /** Longest wait for `readyWhen`, from the start (default 20 s). */
  readyTimeoutMs?: number;
  /** How often to look during the health window. */
  pollMs?: number;
  width?: number;
  height?: number;
}

export type CreateSessionResult =
  | { died: false; session: string; paneId: string; pid: number }
  | {
      died: true;
      session: string;
      /** The command's exit status; undefined if it was killed by a signal or the session vanished. */
      exitStatus?: number;
      signal?: number;
      /** The last lines the command printed, for the error message. */
      output: string;
    };

function commandArgv(command: readonly string[] | string): string[] {
  if (typeof command === 'string') {
    if (!command.trim()) throw new GtError('INVALID_INPUT', 'empty session command');
    return ['/bin/sh', '-c', command];
  }
  if (command.length === 0 || !command[0]) throw new GtError('INVALID_INPUT', 'empty session command');
  for (const a of command) if (a.includes('\0')) throw new GtError('INVALID_INPUT', 'session command argument contains a NUL byte');
  return [...command];
}

/**
 * Create a detached session running `command`, and report whether it survived its first moments.
 *
 * Why the placeholder: remain-on-exit is a pane option, so it can only be set once the pane
 * exists, and a command that exits at once (`exit 7`) can be gone before a following
 * set-option runs — then the session vanishes with no exit status. Starting the pane with a
 * harmless placeholder, switching remain-on-exit on, and only then `respawn-pane -k` with the
 * real command makes the order certain: a dead command always leaves a dead pane. (Chaining
 * `new-session ... \; set-option ...` in one client call relies on tmux running both commands
 * before it handles SIGCHLD, which tmux does not promise.) The exit status itself can still be
 * late on tmux 3.3a; see settledDeadPane.
 */
export async function createSession(tmux: Tmux, opts: CreateSessionOptions): Promise<CreateSessionResult> {
  const name = validateSessionName(opts.name);
  const argv = commandArgv(opts.command);
  // tmux resolves a relative -c against the server's cwd, not ours.
  const absCwd = resolve(opts.cwd);
  let isDir = false;
  try {
    isDir = statSync(absCwd).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) throw new GtError('NOT_FOUND', `working directory for session ${name} does not exist: ${opts.cwd}`);
  const env: [string, string][] = [
    [SESSION_MARKER_ENV, name],
    [SOCKET_MARKER_ENV, tmux.socket],
  ];
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    assertEnvName(k);
    if (k === SESSION_MARKER_ENV || k === SOCKET_MARKER_ENV) continue; // gt owns the markers
    env.push([k, validateEnvValue(k, v)]);
  }
  const envArgs = env.flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  // -c is expanded as a format by tmux; '#' in a path must be doubled to stay literal.
  const cwd = escapeFormat(absCwd);
  const size = [...(opts.width ? ['-x', String(opts.width)] : []), ...(opts.height ? ['-y', String(opts.height)] : [])];

  const newSession = ['new-session', '-d', '-s', name, '-c', cwd, ...size, ...envArgs, '-P', '-F', '#{pane_id}', '--', ...PLACEHOLDER];
  let created = await tmux.run(newSession, { allowFailure: true });
  // A server that is shutting down accepts the connection and then exits; nothing was created,
  // so asking again (which starts a fresh server) is safe.
  for (let i = 0; i < 3 && !created.ok && /server exited unexpectedly/.test(created.stderr); i++) {
    await new Promise((res) => setTimeout(res, 100 * (i + 1)));
    created = await tmux.run(newSession, { allowFailure: true });
  }
  if (!created.ok) {
    if (/duplicate session/.test(created.stderr)) throw new SessionExistsError(name, tmux.socket);
    throw new TmuxError(`could not create tmux session ${name}: ${created.stderr || `exit ${created.exitCode}`}`, { ...created, socket: tmux.socket });
  }
  const paneId = validatePaneId(created.stdout.trim());
  try {
    await tmux.runSequence([
      ['set-option', '-p', '-t', paneId, 'remain-on-exit', 'on'],
      ['respawn-pane', '-k', '-t', paneId, '-c', cwd, '--', ...argv],
    ]);
  } catch (e) {
    // Do not leave a placeholder session behind that looks like a running agent.
    await tmux.run(['kill-session', '-t', sessionTarget(name)], { allowFailure: true });
    throw e;
  }
  const windowMs = opts.healthWindowMs ?? DEFAULT_HEALTH_WINDOW_MS;
  const ready = opts.readyWhen ? { when: opts.readyWhen, until: Date.now() + Math.max(windowMs, opts.readyTimeoutMs ?? 20_000) } : undefined;
  return watchHealth(tmux, name, paneId, windowMs, opts.pollMs ?? 100, ready);
}

async function watchHealth(tmux: Tmux, name: string, paneId: string, windowMs: number, pollMs: number, ready?: { when: () => boolean; until: number }): Promise<CreateSessionResult> {
  let deadline = Date.now() + windowMs;
  const look = async (): Promise<PaneInfo | 'gone' | undefined> => {
    const snap = await snapshot(tmux);
    if (!snap.ok) return undefined; // transient: look again
    const s = findSession(snap, name);
    const pane = s?.panes.find((p) => p.paneId === paneId);
    return pane ?? 'gone';
  };
  for (;;) {
    const p = await look();
    if (p === 'gone') return died(tmux, name, paneId, p);
    if (p && p.dead) return died(tmux, name, paneId, await settledDeadPane(tmux, p, look));
    if (Date.now() >= deadline) {
      if (!ready || ready.when() || Date.now() >= ready.until) break;
      deadline = Math.min(Date.now() + pollMs, ready.until);
    }
    await new Promise((r) => setTimeout(r, Math.min(pollMs, Math.max(1, deadline - Date.now()))));
  }
  // Survived the window. Switch remain-on-exit off so a later death closes the pane (and fires
  // pane-exited); then look once more, because a death just before the switch leaves a dead pane.
  await tmux.run(['set-option', '-p', '-t', paneId, 'remain-on-exit', 'off'], { allowFailure: true });
  const p = await look();
  if (p === 'gone') return died(tmux, name, paneId, p);
  if (p && p.dead) return died(tmux, name, paneId, await settledDeadPane(tmux, p, look));
  const pid = p?.pid ?? 0;
  return { died: false, session: name, paneId, pid };
}

/**
 * tmux marks a pane dead when its pty closes, but learns the exit status only when it reaps the
 * child on SIGCHLD — and tmux 3.3a loses a SIGCHLD now and then under load (measured: ~1 in 50
 * instant exits), leaving the child a zombie and pane_dead_status empty until some other child of
 * the server exits. So: wait briefly, then make the server reap by running a trivial job
 * (`run-shell true`: its exit raises a fresh SIGCHLD and tmux's waitpid loop reaps every zombie).
 * As a last resort read the status from the zombie's /proc/<pid>/stat (exit_code, field 52).
 */
async function settledDeadPane(tmux: Tmux, pane: PaneInfo, look: () => Promise<PaneInfo | 'gone' | undefined>): Promise<PaneInfo | 'gone'> {
  const known = (p: PaneInfo | 'gone' | undefined) => p === 'gone' || (p !== undefined && (p.deadStatus !== undefined || p.deadSignal !== undefined));
  let p: PaneInfo | 'gone' | undefined = pane;
  const deadline = Date.now() + 2_000;
  for (let i = 0; !known(p) && Date.now() < deadline; i++) {
    if (i > 0) await tmux.run(['run-shell', 'true'], { allowFailure: true });
    else await new Promise((r) => setTimeout(r, 20));
    p = (await look()) ?? p;
  }
  if (!known(p) && p !== undefined && p !== 'gone') {
    const raw = zombieExitCode(p.pid);
    if (raw !== undefined) {
      const sig = raw & 0x7f;
      return sig ? { ...p, deadSignal: sig } : { ...p, deadStatus: (raw >> 8) & 0xff };
    }
  }
  return p ?? pane;
}

/** The wait status of an unreaped (zombie) process, from /proc/<pid>/stat field 52. */
function zombieExitCode(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const rest = stat.slice(stat.lastIndexOf(')') + 2).trim().split(' ');
  if (rest[0] !== 'Z' || rest.length < 50) return undefined;
  const v = Number(rest[rest.length - 1]);
  return Number.isInteger(v) ? v : undefined;
}

async function died(tmux: Tmux, name: string, paneId: string, pane: PaneInfo | 'gone'): Promise<CreateSessionResult> {
  let output = '';
  if (pane !== 'gone') {
    const cap = await tmux.run(['capture-pane', '-p', '-J', '-t', paneId], { allowFailure: true });
    output = cap.ok ? lastLines(cap.stdout, 20) : '';
    await tmux.run(['kill-session', '-t', sessionTarget(name)], { allowFailure: true });
  }
  const r: CreateSessionResult = { died: true, session: name, output };
  if (pane !== 'gone') {
    if (pane.deadStatus !== undefined && pane.deadSignal === undefined) r.exitStatus = pane.deadStatus;
    if (pane.deadSignal !== undefined) r.signal = pane.deadSignal;
  }
  return r;
}

/** The command's last words: blank screen rows and tmux's own "Pane is dead" line removed. */
function lastLines(text: string, n: number): string {
  const lines = text.split('\n').filter((l) => !/^Pane is dead\b/.test(l));
  return lines.join('\n').trim().split('\n').slice(-n).join('\n');
}

/** Does exactly this session exist? (`has-session -t name` alone is a prefix match.) */
export async function hasSession(tmux: Tmux, name: string): Promise<boolean> {
  const r = await tmux.run(['has-session', '-t', sessionTarget(name)], { allowFailure: true });
  if (r.ok) return true;
  if (!r.timedOut && (isNotFoundMessage(r.stderr) || isNoServerMessage(r.stderr))) return false;
  throw new TmuxError(`tmux has-session failed on socket ${tmux.socket}: ${r.stderr || `exit ${r.exitCode}`}`, { ...r, socket: tmux.socket });
}

/**
 * Stop the whole server (every session on this socket) and wait until it has exited. Idempotent.
 * kill-server returns before the server is gone; a client connecting meanwhile (the next
 * `gt up`) reaches the dying server and fails with "server exited unexpectedly".
 */
export async function killServer(tmux: Tmux, opts: { timeoutMs?: number } = {}): Promise<void> {
  const who = await tmux.run(['display-message', '-p', '#{pid}'], { allowFailure: true });
  const pid = who.ok ? Number(who.stdout.trim()) : NaN;
  const r = await tmux.run(['kill-server'], { allowFailure: true });
  if (!r.ok && !/no server running|error connecting|server exited unexpectedly/.test(r.stderr)) {
    throw new TmuxError(`tmux kill-server failed on socket ${tmux.socket}: ${r.stderr}`, { ...r, socket: tmux.socket });
  }
  if (!Number.isInteger(pid) || pid <= 0) return;
  const deadline = Date.now() + (opts.timeoutMs ?? 5_000);
  while (pidRunning(pid) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
}

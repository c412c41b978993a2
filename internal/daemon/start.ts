import { spawn } from 'node:child_process';
import { closeSync, existsSync, lstatSync, mkdirSync, writeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { assertSocketPathFits } from '../control/socket-path.js';
import { GtError } from '../errors.js';
import { openOwnedAppend } from '../fsx/append.js';
import { readTailBounded } from '../fsx/read.js';
import type { TownLayout } from '../town/layout.js';
import { isStartupMessage, type StartupMessage } from './ipc.js';
import { probeDaemon } from './probe.js';

export interface StartResult {
  started: boolean;
  pid: number;
}

/** argv that runs this gt's CLI: compiled JS normally, TypeScript through tsx in development. */
export function gtCommand(): { command: string; args: string[] } {
  const js = fileURLToPath(new URL('../../cmd/gt/main.js', import.meta.url));
  if (existsSync(js)) return { command: process.execPath, args: [js] };
  const ts = fileURLToPath(new URL('../../cmd/gt/main.ts', import.meta.url));
  return { command: process.execPath, args: ['--import', 'tsx', ts] };
}

/**
 * Start the daemon detached and wait until its control socket answers. Safe to run many times
 * at once: the daemon's lock picks one winner and every caller reports that winner's pid.
 */
export async function startDaemon(layout: TownLayout, timeoutMs = 10_000): Promise<StartResult> {
  const first = await probeDaemon(layout, 1_000);
  if (first.running) return { started: false, pid: first.pid };
  assertSocketPathFits(layout.controlSocket);

  mkdirSync(layout.daemonDir, { recursive: true });
  const logOffset = sizeOf(layout.daemonLog);
  const child = spawnDetachedGt(layout.root, ['daemon', 'run'], layout.daemonLog);

  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      const message = child.message();
      const exited = child.exited();
      if (message?.type === 'ready') return { started: true, pid: message.pid };
      if (message?.type === 'failed') throw startFailed(message.message);
      const probe = await probeDaemon(layout, 500);
      if (probe.running) return { started: probe.pid === child.pid, pid: probe.pid };
      if (exited && message?.type !== 'already-running') {
        // Died without telling us why: what it printed is in the log.
        const why = logTail(layout.daemonLog, logOffset) || `exited with ${exited.signal ?? `code ${exited.code}`}`;
        throw startFailed(why);
      }
      if (Date.now() >= deadline) {
        throw startFailed(`no answer on the control socket within ${timeoutMs}ms`, `see ${layout.daemonLog}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  } finally {
    child.release();
  }
}

/** A gt process started in the background, and what it has told its starter so far. */
export interface DetachedGt {
  pid: number | undefined;
  /** The last startup message it sent (ready, already-running, failed). */
  message(): StartupMessage | undefined;
  /** How it ended, once it has. */
  exited(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
  /** Stop listening and let it live on without us. */
  release(): void;
}

/**
 * Run `gt <args> --town <town>` detached (its own session, output appended to `logFile`, with an
 * IPC channel for its startup message): how `gt daemon start` and `gt dashboard` start servers.
 */
export function spawnDetachedGt(town: string, gtArgs: string[], logFile: string): DetachedGt {
  // Its stdout and stderr: never through a symlink planted at the log's path.
  const { fd: out, replaced } = openOwnedAppend(logFile);
  if (replaced) writeSync(out, `${new Date().toISOString()} WARN  ${replaced}\n`);
  const { command, args } = gtCommand();
  const child = spawn(command, [...args, ...gtArgs, '--town', town], {
    cwd: town,
    detached: true,
    stdio: ['ignore', out, out, 'ipc'],
    env: daemonEnv(town),
  });
  closeSync(out);
  let message: StartupMessage | undefined;
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  child.on('message', (m) => {
    if (isStartupMessage(m)) message = m;
  });
  child.on('exit', (code, signal) => (exited = { code, signal }));
  child.on('error', () => (exited ??= { code: null, signal: null }));
  return {
    pid: child.pid,
    message: () => message,
    exited: () => exited,
    release() {
      if (child.connected) child.disconnect();
      child.unref();
    },
  };
}

function startFailed(reason: string, hint?: string): GtError {
  return new GtError('DAEMON_START_FAILED', `daemon failed to start: ${reason.replace(/^gt: /, '')}`, { hint });
}

function sizeOf(p: string): number {
  try {
    const st = lstatSync(p);
    return st.isFile() ? st.size : 0;
  } catch {
    return 0;
  }
}

/** The last non-empty line the log gained since `offset` (at most 64 KB of it is read). */
function logTail(path: string, offset: number): string {
  try {
    const r = readTailBounded(path, 64 * 1024, { noFollow: true });
    if (!r.ok) return '';
    // r.data holds the file's last bytes; keep the part written after `offset`.
    const text = r.data.subarray(Math.max(0, offset - (r.size - r.data.length))).toString('utf8');
    const lines = text.split('\n').filter((l) => l.trim() !== '');
    return (lines.at(-1) ?? '').replace(/^\S+Z (ERROR|WARN|INFO)\s+/, '');
  } catch {
    return '';
  }
}

/**
 * The daemon's environment: the caller's, minus the session marker that ties a process to an
 * agent session (killing that session would otherwise take the daemon with it) and the agent
 * identity. GT_TMUX_SOCKET stays: it names the town's tmux server for every gt command, the
 * daemon included, and without GT_SESSION it marks no session.
 */
export function daemonEnv(town: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, GT_TOWN_ROOT: town };
  for (const k of ['GT_SESSION', 'GT_ROLE', 'GT_RIG', 'GT_POLECAT', 'GT_CREW', 'BD_ACTOR', 'TMUX', 'TMUX_PANE']) delete env[k];
  return env;
}

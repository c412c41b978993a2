import { spawn } from 'node:child_process';
import { closeSync, existsSync, writeSync } from 'node:fs';
import { openOwnedAppend } from '../fsx/append.js';
import { messageOf } from '../errors.js';
import { lockExclusive } from '../fsx/flock.js';
import { flockHolders } from '../fsx/proc.js';
import type { TownLayout } from '../town/layout.js';
import { estopFileExists } from './estop.js';
import { formatLogLine } from './logger.js';
import { daemonEnv, gtCommand, startDaemon } from './start.js';
import { readDaemonState } from './state.js';

/**
 * The daemon's keeper: a small detached process each daemon starts beside itself (`gt daemon
 * keeper`). It watches the daemon's lock in /proc/locks (never taking it: a daemon starting at
 * that moment must win) and, when the lock is free although the daemon never recorded a clean
 * stop (kill -9, OOM), starts a daemon again, unless `gt down` runs or ESTOP is set. A clean stop
 * (`gt daemon stop`, `gt down`) ends it. Under systemd (GT_DAEMON_SUPERVISOR=systemd, set by the
 * unit `gt daemon install` writes) there is no keeper: systemd restarts the daemon itself.
 */

export const KEEPER_POLL_MS = 2_000;

export type KeeperVerdict =
  | { kind: 'daemon-running' }
  | { kind: 'stopped-cleanly' }
  | { kind: 'town-gone' }
  | { kind: 'held'; why: string }
  | { kind: 'revive'; pid: number | null };

/** What the keeper should do now, from the town's files alone. */
export function keeperVerdict(layout: TownLayout): KeeperVerdict {
  if (!existsSync(layout.townFile)) return { kind: 'town-gone' };
  if (flockHolders(layout.daemonLock).length > 0) return { kind: 'daemon-running' };
  let state;
  try {
    state = readDaemonState(layout.daemonState);
  } catch {
    state = undefined;
  }
  // The daemon records running: false when it stops on purpose; anything else is a death.
  if (state && !state.running) return { kind: 'stopped-cleanly' };
  if (flockHolders(layout.shutdownLock).length > 0) return { kind: 'held', why: 'gt down is running' };
  if (estopFileExists(layout)) return { kind: 'held', why: 'ESTOP is set' };
  return { kind: 'revive', pid: state?.pid ?? null };
}

/** Whether the daemon should start a keeper: not when something else (systemd) restarts it. */
export function keeperWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.GT_DAEMON_SUPERVISOR !== 'systemd' && env.GT_DAEMON_KEEPER !== '0';
}

/** Start a keeper beside the daemon (detached, its lines in daemon.log); its pid, or undefined. */
export function spawnKeeper(layout: TownLayout): number | undefined {
  // No fd of the town's disk held open (a writable one would keep a remount read-only from
  // working): its lines are appended to daemon.log one at a time.
  const { command, args } = gtCommand();
  const child = spawn(command, [...args, 'daemon', 'keeper', '--town', layout.root], { cwd: layout.root, detached: true, stdio: 'ignore', env: daemonEnv(layout.root) });
  child.on('error', () => undefined);
  child.unref();
  return child.pid;
}

/** One line to daemon.log, opened and closed again (never through a planted link). */
function appendLine(layout: TownLayout, line: string): void {
  try {
    const { fd } = openOwnedAppend(layout.daemonLog);
    try {
      writeSync(fd, line);
    } finally {
      closeSync(fd);
    }
  } catch {
    // A sick disk: the keeper's work matters more than its line.
  }
}

/**
 * The keeper's loop. One keeper per town (daemon/keeper.lock; a keeper started while an older
 * one is still handing over waits for it). Returns its exit status.
 */
export async function runKeeper(layout: TownLayout, opts: { pollMs?: number; signal?: AbortSignal } = {}): Promise<number> {
  const say = (level: 'info' | 'warn' | 'error', msg: string) => appendLine(layout, formatLogLine(level, `keeper: ${msg}`));
  const lock = await lockExclusive(layout.keeperLock, 15_000);
  if (!lock) return 0; // Another keeper watches this town.
  let held = '';
  try {
    for (;;) {
      if (opts.signal?.aborted) return 0;
      const v = keeperVerdict(layout);
      if (v.kind === 'stopped-cleanly' || v.kind === 'town-gone') return 0;
      if (v.kind === 'held' && v.why !== held) say('info', `the daemon is gone, and not started again while ${v.why}`);
      held = v.kind === 'held' ? v.why : '';
      if (v.kind === 'revive') {
        say('warn', `the daemon${v.pid ? ` (pid ${v.pid})` : ''} died without stopping; starting it again`);
        try {
          // The new daemon starts its own keeper, which takes over once this one lets go of the lock.
          const r = await startDaemon(layout);
          say('info', `daemon started again (pid ${r.pid})`);
          return 0;
        } catch (e) {
          say('error', `could not start the daemon again: ${messageOf(e)}; trying again in ${Math.round((opts.pollMs ?? KEEPER_POLL_MS) / 1000)}s`);
        }
      }
      await new Promise((r) => setTimeout(r, opts.pollMs ?? KEEPER_POLL_MS));
    }
  } finally {
    lock.release();
  }
}

import { readFileSync, statSync } from 'node:fs';
import { errnoCode } from '../errors.js';

/** True if a process with this pid exists (even if owned by someone else). */
export function pidExists(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errnoCode(e) === 'EPERM';
  }
}

/**
 * The process's start time in clock ticks since boot (field 22 of /proc/<pid>/stat).
 * Together with the pid it names one process for its whole life: a recycled pid gets a new
 * start time, so comparing both never confuses a new process with a dead one.
 */
export function processStartTime(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // comm (field 2) may contain spaces and parentheses; fields after the last ')' are fixed.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const v = Number(rest[19]);
  return Number.isFinite(v) ? v : undefined;
}

/** Process state letter from /proc (R, S, D, Z, T, ...), undefined if gone. */
export function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}

/** A pid that exists and is not a zombie waiting to be reaped. */
export function pidRunning(pid: number): boolean {
  if (!pidExists(pid)) return false;
  const st = processState(pid);
  return st !== undefined ? st !== 'Z' && st !== 'X' : true;
}

/**
 * Pids holding a granted flock() on `path`, read from /proc/locks. Asking this way does not
 * touch the lock, so it cannot make a starting daemon lose its lock race.
 */
export function flockHolders(path: string): number[] {
  let ino: number;
  try {
    ino = statSync(path).ino;
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return [];
    throw e;
  }
  let text: string;
  try {
    text = readFileSync('/proc/locks', 'utf8');
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const line of text.split('\n')) {
    // "1: FLOCK  ADVISORY  WRITE 1234 fd:01:567 0 EOF"; waiters carry "->" and are skipped.
    const f = line.trim().split(/\s+/);
    if (f.length < 6 || f[1] !== 'FLOCK' || f[1]?.startsWith('->') || line.includes('->')) continue;
    const devIno = f[5]!.split(':');
    if (Number(devIno[2]) === ino) pids.push(Number(f[4]));
  }
  return pids;
}

import { readFileSync, readdirSync, statSync } from 'node:fs';
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

/** A file's identity as /proc/locks names it: the device's major and minor, and the inode. */
export interface FileId {
  major: number;
  minor: number;
  ino: bigint;
}

/**
 * The identity of the file at `path` (undefined if missing). stat's st_dev is the userspace
 * encoding of the device number; /proc/locks prints the kernel's MAJOR:MINOR in hex, so both
 * are decoded to major and minor before they are compared.
 */
export function fileId(path: string): FileId | undefined {
  let st;
  try {
    st = statSync(path, { bigint: true });
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return undefined;
    throw e;
  }
  const dev = st.dev;
  const major = Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn));
  const minor = Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn));
  return { major, minor, ino: st.ino };
}

/**
 * Pids holding a granted flock() on the file `id` names, from the text of /proc/locks. A line
 * reads "1: FLOCK  ADVISORY  WRITE 1234 fd:01:567 0 EOF" (device in hex, inode in decimal);
 * waiters carry "->" and do not hold the lock. Device AND inode must match: inode numbers repeat
 * across filesystems (two tmpfs mounts hand out the same ones).
 */
export function parseFlockHolders(locks: string, id: FileId): number[] {
  const pids: number[] = [];
  for (const line of locks.split('\n')) {
    if (line.includes('->')) continue;
    const f = line.trim().split(/\s+/);
    if (f.length < 6 || f[1] !== 'FLOCK') continue;
    const m = /^([0-9a-f]+):([0-9a-f]+):(\d+)$/i.exec(f[5]!);
    if (!m) continue;
    if (parseInt(m[1]!, 16) !== id.major || parseInt(m[2]!, 16) !== id.minor || BigInt(m[3]!) !== id.ino) continue;
    const pid = Number(f[4]);
    if (Number.isInteger(pid) && pid > 0) pids.push(pid);
  }
  return pids;
}

/**
 * Pids holding a granted flock() on `path`, read from /proc/locks. Asking this way does not
 * touch the lock, so it cannot make a starting daemon lose its lock race.
 */
export function flockHolders(path: string): number[] {
  const id = fileId(path);
  if (!id) return [];
  let text: string;
  try {
    text = readFileSync('/proc/locks', 'utf8');
  } catch {
    return [];
  }
  return parseFlockHolders(text, id);
}

/** Clock ticks per second for /proc/<pid>/stat times (USER_HZ: 100 on every Linux ABI). */
const USER_HZ = 100;

let bootTimeMs: number | undefined;
/** When the machine booted (ms since the epoch), from /proc/stat's btime (whole seconds). */
export function bootTime(): number | undefined {
  if (bootTimeMs !== undefined) return bootTimeMs;
  try {
    const m = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
    if (m) bootTimeMs = Number(m[1]) * 1000;
  } catch {
    // No /proc/stat: start times cannot be placed on the wall clock.
  }
  return bootTimeMs;
}

/** When a process started (ms since the epoch, to within about a second), or undefined. */
export function processStartedAt(pid: number): number | undefined {
  const ticks = processStartTime(pid);
  const boot = bootTime();
  if (ticks === undefined || boot === undefined) return undefined;
  return boot + (ticks * 1000) / USER_HZ;
}

/** One row of the process table, read from /proc/<pid>/{stat,cmdline}. */
export interface ProcInfo {
  pid: number;
  ppid: number;
  /** Kernel command name (at most 15 bytes; set by exec from the file name, or by prctl). */
  comm: string;
  /** State letter (R, S, D, Z, T, ...). */
  state: string;
  /** Clock ticks since boot; with the pid it names one process for its whole life. */
  startTime: number;
  /** argv; empty for kernel threads and zombies. */
  cmdline: string[];
}

/** Parse the text of /proc/<pid>/stat. comm may hold spaces and ')'; the last ')' ends it. */
export function parseProcStat(pid: number, stat: string): Omit<ProcInfo, 'cmdline'> | undefined {
  const open = stat.indexOf('(');
  const close = stat.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const rest = stat.slice(close + 2).split(' ');
  const ppid = Number(rest[1]);
  const startTime = Number(rest[19]);
  if (!Number.isInteger(ppid) || !Number.isFinite(startTime)) return undefined;
  return { pid, ppid, comm: stat.slice(open + 1, close), state: rest[0] ?? '?', startTime };
}

/** One process's row, or undefined if it is gone (it may exit while we read). */
export function readProcInfo(pid: number): ProcInfo | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const base = parseProcStat(pid, stat);
  if (!base) return undefined;
  let cmdline: string[] = [];
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    cmdline = raw.length ? raw.replace(/\0$/, '').split('\0') : [];
  } catch {
    // Exited between the two reads; the stat row is still a truthful last sight of it.
  }
  return { ...base, cmdline };
}

/**
 * A snapshot of every process on the machine (one pass over /proc). Processes come and go while
 * it is read, so it is a best-effort picture: callers re-check a pid (start time) before acting.
 */
export function readProcTable(): Map<number, ProcInfo> {
  const table = new Map<number, ProcInfo>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return table;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    const info = readProcInfo(Number(e));
    if (info) table.set(info.pid, info);
  }
  return table;
}

/** Every pid below `roots` in `table` (the roots included when present), breadth first. */
export function descendantPids(table: ReadonlyMap<number, ProcInfo>, roots: Iterable<number>): number[] {
  const children = new Map<number, number[]>();
  for (const p of table.values()) {
    const list = children.get(p.ppid);
    if (list) list.push(p.pid);
    else children.set(p.ppid, [p.pid]);
  }
  const seen = new Set<number>();
  const queue: number[] = [];
  for (const r of roots) {
    if (table.has(r) && !seen.has(r)) {
      seen.add(r);
      queue.push(r);
    }
  }
  for (let i = 0; i < queue.length; i++) {
    for (const c of children.get(queue[i]!) ?? []) {
      if (!seen.has(c)) {
        seen.add(c);
        queue.push(c);
      }
    }
  }
  return queue;
}

/**
 * The initial environment of a process (/proc/<pid>/environ) as a map; undefined when it is gone
 * or not ours to read. It shows the environment the process was exec'd with, which is what a
 * marker variable set at session creation survives in, even after setsid or a double fork.
 */
export function readProcEnviron(pid: number): Map<string, string> | undefined {
  let raw: string;
  try {
    raw = readFileSync(`/proc/${pid}/environ`, 'utf8');
  } catch {
    return undefined;
  }
  const env = new Map<string, string>();
  for (const kv of raw.split('\0')) {
    const eq = kv.indexOf('=');
    if (eq > 0) env.set(kv.slice(0, eq), kv.slice(eq + 1));
  }
  return env;
}

/** Clock ticks per second in /proc/<pid>/stat (USER_HZ: 100 on every Linux platform gt runs on). */
export const CLOCK_TICKS_PER_SECOND = 100;

/**
 * When the machine booted, on the clock `now` reads (epoch ms): `now` minus /proc/uptime. Process
 * start times (clock ticks since boot) become epoch ms by adding them to this; undefined when
 * /proc/uptime cannot be read.
 */
export function bootEpochMs(now: number): number | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/uptime', 'utf8');
  } catch {
    return undefined;
  }
  const up = Number(text.split(' ')[0]);
  return Number.isFinite(up) ? now - up * 1000 : undefined;
}

/** A process's start time as epoch ms (on the clock bootEpochMs was given), or undefined if it is gone. */
export function processStartEpochMs(pid: number, bootEpoch: number): number | undefined {
  const ticks = processStartTime(pid);
  return ticks === undefined ? undefined : Math.round(bootEpoch + (ticks * 1000) / CLOCK_TICKS_PER_SECOND);
}

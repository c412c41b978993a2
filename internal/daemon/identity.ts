import { lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { processStartedAt, readProcInfo } from '../fsx/proc.js';
import type { TownLayout } from '../town/layout.js';
import { oneLine } from '../safe-text.js';

/** A long-running gt process a town records by pid: how to know it by its command line. */
interface GtProcessKind {
  /** "gt daemon", "gt dashboard". */
  what: string;
  /** The command words, in a row after gt's entry point: ["daemon", "run"]. */
  words: readonly string[];
  /** A flag that must follow the words (what tells the serving process from its starter). */
  flag?: string;
  /** The pid file it writes right after it has started (none: not written yet), and its name in messages. */
  pidFile: string | undefined;
  pidFileLabel: string;
}

/**
 * Is `pid` this town's gt daemon? Holding daemon/daemon.lock is not enough (any process can
 * `flock` the file, e.g. a backup script), nor is the pid file naming it (a stale file's pid is
 * recycled). The process must also be a gt daemon by its command line (gt's entry point with
 * `daemon run`, and `--town` naming this town when given) and by its start time (it started
 * before the pid file was written, which the daemon does right after taking the lock).
 * Returns why not, or undefined when it is.
 */
export function whyNotDaemon(pid: number, layout: Pick<TownLayout, 'root' | 'daemonPid'>): string | undefined {
  return whyNotGtProcess(pid, layout.root, { what: 'gt daemon', words: ['daemon', 'run'], pidFile: layout.daemonPid, pidFileLabel: 'daemon/daemon.pid' });
}

/**
 * Is `pid` this town's dashboard server (`gt dashboard --foreground`, what `gt dashboard` starts
 * in the background)? The same proof as for the daemon: command line, town, and a start before
 * dashboard/dashboard.pid was written (unless `pidFileWritten: false`: a lock holder the pid file
 * does not name yet). Returns why not, or undefined when it is.
 */
export function whyNotDashboard(pid: number, layout: Pick<TownLayout, 'root' | 'dashboardPid'>, opts: { pidFileWritten?: boolean } = {}): string | undefined {
  return whyNotGtProcess(pid, layout.root, {
    what: 'gt dashboard',
    words: ['dashboard'],
    flag: '--foreground',
    // A dashboard still starting has not written its pid file yet: only its command line can tell.
    pidFile: opts.pidFileWritten === false ? undefined : layout.dashboardPid,
    pidFileLabel: 'dashboard/dashboard.pid',
  });
}

function whyNotGtProcess(pid: number, root: string, kind: GtProcessKind): string | undefined {
  const p = readProcInfo(pid);
  if (!p || p.state === 'Z' || p.state === 'X') return `pid ${pid} is gone`;
  const argv = p.cmdline;
  const run = argv.findIndex((_, i) => kind.words.every((w, k) => argv[i + k] === w));
  const entry = run > 0 ? argv.slice(0, run).find((a) => isGtEntry(a)) : undefined;
  const flagged = kind.flag === undefined || argv.slice(run + kind.words.length).includes(kind.flag);
  if (run < 0 || !entry || !flagged) return `pid ${pid} is not a ${kind.what} (${describeCmd(argv, p.comm)})`;
  const townArg = argv.findIndex((a, i) => i > run && (a === '--town' || a.startsWith('--town=')));
  if (townArg > 0) {
    const given = argv[townArg]!.includes('=') ? argv[townArg]!.slice('--town='.length) : argv[townArg + 1];
    if (given === undefined || !samePath(resolve(processCwd(pid), given), root)) return `pid ${pid} is the ${kind.what} of another town (${given ?? '?'})`;
  }
  const started = processStartedAt(pid);
  const written = kind.pidFile === undefined ? undefined : mtimeMs(kind.pidFile);
  // The process writes its pid file after it has started; a process younger than the file (with
  // a second for the coarse boot time) cannot have written it: it took a recycled pid.
  if (started !== undefined && written !== undefined && started > written + 1_000) {
    return `pid ${pid} started after ${kind.pidFileLabel} was written (a recycled pid)`;
  }
  return undefined;
}

/** gt's CLI entry point as it appears in argv: dist/cmd/gt/main.js, cmd/gt/main.ts, or a `gt` link. */
function isGtEntry(arg: string): boolean {
  const b = basename(arg);
  return b === 'gt' || ((b === 'main.js' || b === 'main.ts') && /(^|\/)cmd\/gt\/main\.[jt]s$/.test(arg));
}

function processCwd(pid: number): string {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return '/';
  }
}

function samePath(a: string, b: string): boolean {
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return resolve(p);
    }
  };
  return real(a) === real(b);
}

function mtimeMs(path: string): number | undefined {
  try {
    return lstatSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

function describeCmd(argv: string[], comm: string): string {
  const text = oneLine(argv.length ? argv.join(' ') : comm);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

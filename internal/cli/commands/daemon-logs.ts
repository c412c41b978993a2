import { lstatSync, watch } from 'node:fs';
import type { CommandContext, CommandSpec } from '../spec.js';
import { townLayout } from '../../town/layout.js';
import { GtError, UsageError } from '../../errors.js';
import { readRangeBounded, readTailBounded } from '../../fsx/read.js';
import { oneLine } from '../../safe-text.js';

export const spec: CommandSpec = {
  usage: 'gt daemon logs [-n N] [-f] [--json] [--town DIR]',
  description: "Print the last lines of the daemon's log (daemon/daemon.log, and the newest archive when the live file was just rotated); -f keeps following it across rotations.",
  options: {
    lines: { type: 'string', short: 'n', arg: 'N', description: 'how many lines (default 50)' },
    follow: { type: 'boolean', short: 'f', description: 'keep printing new lines until interrupted' },
    json: { type: 'boolean', description: 'one JSON object per line: {time, level, message} (raw lines that do not parse: {raw})' },
  },
  details:
    'Control characters in log lines are shown escaped (\\x1b, \\r). Reads at most the last 8 MB of the live file, and of the newest archive (daemon/daemon.log.1) when the live file has fewer than N lines; a symbolic link or other non-regular file in their place is never read.',
};

/** Most of the live log read for the last lines: the file is rotated at daemon.log_max_size anyway. */
const TAIL_BYTES = 8 * 1024 * 1024;
/** Most read in one step while following. */
const FOLLOW_CHUNK = 1024 * 1024;

const LINE_RE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) (DEBUG|INFO|WARN|ERROR)\s+(.*)$/;

/** A log line as printed: escaped for a terminal, or as a JSON object. */
function render(line: string, json: boolean): string {
  if (!json) return oneLine(line);
  const m = LINE_RE.exec(line);
  return JSON.stringify(m ? { time: m[1], level: m[2]!.toLowerCase(), message: m[3] } : { raw: line });
}

interface Tail {
  data: Buffer;
  size: number;
}

/**
 * The tail of one log file through the same bounded, no-follow read for the live file and its
 * archive: a missing file is empty; anything else that is not a regular file (a symlink, a FIFO)
 * is never read, and the reason is returned instead.
 */
function readTail(path: string, label: string): Tail | string {
  const r = readTailBounded(path, TAIL_BYTES, { noFollow: true });
  if (r.ok) return r;
  if (r.missing) return { data: Buffer.alloc(0), size: 0 };
  return `${label} ${r.invalid}`;
}

function readLive(path: string): Tail {
  const r = readTail(path, 'daemon/daemon.log');
  if (typeof r === 'string') throw new GtError('IO', r, { hint: 'the daemon replaces it with a regular file when it next writes' });
  return r;
}

/** Whole lines of a file's tail; a tail that starts mid-file starts mid-line, and that part goes. */
function tailLines(t: Tail): string[] {
  const lines = t.data.toString('utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  if (t.size > t.data.length) lines.shift();
  return lines;
}

function inode(path: string): number | undefined {
  try {
    return lstatSync(path).ino;
  } catch {
    return undefined;
  }
}

/**
 * The last `n` lines of the daemon's log. Right after a rotation the live file holds only a few:
 * the rest are at the end of the newest archive (daemon.log.1), read the same way. A rotation
 * between the two reads would make the archive the file just read as live (lines twice): when
 * the archive changed under us, both are read again.
 */
function lastLines(path: string, n: number, warn: (line: string) => void): { lines: string[]; liveSize: number } {
  let live = readLive(path);
  let lines = tailLines(live);
  // A live file read only in part has a gap before its first line: the archive does not follow on.
  if (lines.length >= n || live.size > live.data.length) return { lines, liveSize: live.size };
  const archive = `${path}.1`;
  for (let attempt = 0; attempt < 3; attempt++) {
    const before = inode(archive);
    const older = readTail(archive, 'daemon/daemon.log.1');
    live = readLive(path);
    if (inode(archive) !== before && attempt < 2) continue;
    lines = tailLines(live);
    if (typeof older === 'string') warn(`gt: note: ${older}; not read (showing daemon/daemon.log only)`);
    else if (live.size === live.data.length) lines = [...tailLines(older), ...lines];
    break;
  }
  return { lines, liveSize: live.size };
}

export async function run(ctx: CommandContext): Promise<number> {
  const raw = (ctx.args.values.lines as string | undefined) ?? '50';
  if (!/^\d{1,7}$/.test(raw)) throw new UsageError(`-n ${JSON.stringify(raw)}: expected a number of lines`);
  const n = Number(raw);
  const path = townLayout(ctx.town()).daemonLog;
  const { lines, liveSize: size } = lastLines(path, n, (l) => ctx.err(l));
  for (const l of n === 0 ? [] : lines.slice(-n)) ctx.out(render(l, ctx.json));
  if (!ctx.args.values.follow) return 0;

  let pos = size;
  let partial = '';
  const pump = () => {
    for (;;) {
      const r = readRangeBounded(path, pos, FOLLOW_CHUNK, { noFollow: true });
      if (!r.ok) return;
      if (r.size < pos) {
        pos = 0; // rotated: the live file is new
        partial = '';
        continue;
      }
      if (r.data.length === 0) return;
      pos += r.data.length;
      const text = partial + r.data.toString('utf8');
      const parts = text.split('\n');
      partial = parts.pop() ?? '';
      for (const l of parts) ctx.out(render(l, ctx.json));
    }
  };
  const dir = path.slice(0, path.lastIndexOf('/'));
  const watcher = watch(dir, () => pump());
  const timer = setInterval(pump, 1000);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  watcher.close();
  clearInterval(timer);
  return 0;
}

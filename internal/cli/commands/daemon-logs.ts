import { watch } from 'node:fs';
import type { CommandContext, CommandSpec } from '../spec.js';
import { townLayout } from '../../town/layout.js';
import { GtError, UsageError } from '../../errors.js';
import { readRangeBounded, readTailBounded } from '../../fsx/read.js';
import { oneLine } from '../../safe-text.js';

export const spec: CommandSpec = {
  usage: 'gt daemon logs [-n N] [-f] [--json] [--town DIR]',
  description: "Print the last lines of the daemon's log (daemon/daemon.log); -f keeps following it across rotations.",
  options: {
    lines: { type: 'string', short: 'n', arg: 'N', description: 'how many lines (default 50)' },
    follow: { type: 'boolean', short: 'f', description: 'keep printing new lines until interrupted' },
    json: { type: 'boolean', description: 'one JSON object per line: {time, level, message} (raw lines that do not parse: {raw})' },
  },
  details: 'Control characters in log lines are shown escaped (\\x1b, \\r). Reads at most the last 8 MB of the live file.',
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

function readTail(path: string): { data: Buffer; size: number } {
  const r = readTailBounded(path, TAIL_BYTES, { noFollow: true });
  if (r.ok) return r;
  if (r.missing) return { data: Buffer.alloc(0), size: 0 };
  throw new GtError('IO', `daemon/daemon.log ${r.invalid}`, { hint: 'the daemon replaces it with a regular file when it next writes' });
}

export async function run(ctx: CommandContext): Promise<number> {
  const raw = (ctx.args.values.lines as string | undefined) ?? '50';
  if (!/^\d{1,7}$/.test(raw)) throw new UsageError(`-n ${JSON.stringify(raw)}: expected a number of lines`);
  const n = Number(raw);
  const path = townLayout(ctx.town()).daemonLog;
  const { data, size } = readTail(path);
  const lines = data.toString('utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  // A tail that starts mid-file starts mid-line: drop the partial first line.
  if (size > data.length) lines.shift();
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

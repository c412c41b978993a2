import { createReadStream, readFileSync, statSync, watch } from 'node:fs';
import type { CommandContext, CommandSpec } from '../spec.js';
import { townLayout } from '../../town/layout.js';
import { UsageError, errnoCode } from '../../errors.js';

export const spec: CommandSpec = {
  usage: 'gt daemon logs [-n N] [-f] [--town DIR]',
  description: "Print the last lines of the daemon's log (daemon/daemon.log); -f keeps following it across rotations.",
  options: {
    lines: { type: 'string', short: 'n', arg: 'N', description: 'how many lines (default 50)' },
    follow: { type: 'boolean', short: 'f', description: 'keep printing new lines until interrupted' },
  },
};

function readLog(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return Buffer.alloc(0);
    throw e;
  }
}

export async function run(ctx: CommandContext): Promise<number> {
  const raw = (ctx.args.values.lines as string | undefined) ?? '50';
  if (!/^\d{1,7}$/.test(raw)) throw new UsageError(`-n ${JSON.stringify(raw)}: expected a number of lines`);
  const n = Number(raw);
  const path = townLayout(ctx.town()).daemonLog;
  const buf = readLog(path);
  const lines = buf.toString('utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  for (const l of n === 0 ? [] : lines.slice(-n)) ctx.out(l);
  if (!ctx.args.values.follow) return 0;

  let pos = buf.length;
  const pump = () =>
    new Promise<void>((resolve) => {
      let size: number;
      try {
        size = statSync(path).size;
      } catch {
        return resolve();
      }
      if (size < pos) pos = 0; // rotated: the live file is new
      if (size === pos) return resolve();
      const s = createReadStream(path, { start: pos, end: size - 1 });
      s.on('data', (c) => process.stdout.write(c));
      s.on('end', () => ((pos = size), resolve()));
      s.on('error', () => resolve());
    });
  const dir = path.slice(0, path.lastIndexOf('/'));
  let busy = Promise.resolve();
  const watcher = watch(dir, () => (busy = busy.then(pump)));
  const timer = setInterval(() => (busy = busy.then(pump)), 1000);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  watcher.close();
  clearInterval(timer);
  return 0;
}

import type { CommandContext, CommandSpec } from '../spec.js';
import { stopDaemon } from '../../daemon/stop.js';
import { startDaemon } from '../../daemon/start.js';
import { townLayout } from '../../town/layout.js';
import { NotRunningError } from '../../errors.js';
import { printJson } from '../output.js';

export const spec: CommandSpec = {
  usage: 'gt daemon restart [--town DIR] [--json]',
  description: 'Stop the daemon if it runs, then start it.',
  options: { json: { type: 'boolean', description: 'print {stopped, pid} as JSON' } },
};

export async function run(ctx: CommandContext): Promise<number> {
  const layout = townLayout(ctx.town());
  let stopped: number | null = null;
  try {
    stopped = (await stopDaemon(layout)).pid;
  } catch (e) {
    if (!(e instanceof NotRunningError)) throw e;
  }
  const r = await startDaemon(layout);
  if (ctx.json) printJson({ stopped, pid: r.pid });
  else ctx.out(`${stopped ? `daemon stopped (pid ${stopped}); ` : ''}daemon started (pid ${r.pid})`);
  return 0;
}

import type { CommandContext, CommandSpec } from '../spec.js';
import { startDaemon } from '../../daemon/start.js';
import { townLayout } from '../../town/layout.js';
import { printJson } from '../output.js';

export const spec: CommandSpec = {
  usage: 'gt daemon start [--town DIR] [--json]',
  description: 'Start the daemon detached and wait (up to 10 s) until its control socket answers.',
  options: { json: { type: 'boolean', description: 'print {started, pid} as JSON' } },
  details: 'Exit 0 when a daemon runs afterwards (also when one already did); 1 with the reason if it failed to start.',
};

export async function run(ctx: CommandContext): Promise<number> {
  const r = await startDaemon(townLayout(ctx.town()));
  if (ctx.json) printJson(r);
  else ctx.out(r.started ? `daemon started (pid ${r.pid})` : `daemon already running (pid ${r.pid})`);
  return 0;
}

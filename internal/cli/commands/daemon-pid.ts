import type { CommandContext, CommandSpec } from '../spec.js';
import { probeDaemon } from '../../daemon/probe.js';
import { townLayout } from '../../town/layout.js';
import { EXIT } from '../../errors.js';
import { printJson } from '../output.js';

export const spec: CommandSpec = {
  usage: 'gt daemon pid [--town DIR] [--json]',
  description: "Print the running daemon's pid (for kill -USR1 \"$(gt daemon pid)\").",
  options: { json: { type: 'boolean', description: 'print {running, pid} as JSON' } },
  details: 'Exit 3 (and print nothing on stdout) when no daemon runs.',
};

export async function run(ctx: CommandContext): Promise<number> {
  const p = await probeDaemon(townLayout(ctx.town()));
  if (ctx.json) printJson(p.running ? { running: true, pid: p.pid } : { running: false, pid: null });
  else if (p.running) ctx.out(String(p.pid));
  else ctx.err('gt: daemon is not running');
  return p.running ? EXIT.ok : EXIT.notRunning;
}

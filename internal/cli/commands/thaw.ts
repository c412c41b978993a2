import type { CommandContext, CommandSpec } from '../spec.js';
import { releaseEstop } from '../../daemon/estop.js';
import { townLayout } from '../../town/layout.js';
import { printJson } from '../output.js';

export const spec: CommandSpec = {
  usage: 'gt thaw [--town DIR] [--json]',
  description: "End an emergency stop: remove <town>/ESTOP and tell the daemon (over its control socket) to end a stop it holds in memory and reconcile the agents at once.",
  options: { json: { type: 'boolean', description: 'print {changed, path, daemon, file_error} as JSON' } },
  details: 'Not an error when ESTOP was not set (exit 0). Exit 1 when the file could not be removed (the stop stays on while it exists).',
};

export async function run(ctx: CommandContext): Promise<number> {
  const r = await releaseEstop(townLayout(ctx.town()));
  if (ctx.json) printJson(r);
  else if (!r.changed) ctx.out('ESTOP was not set');
  else ctx.out(r.daemon ? `ESTOP removed; daemon woken (pid ${r.daemon})` : 'ESTOP removed (the daemon is not running)');
  return 0;
}

import type { CommandContext, CommandSpec } from '../spec.js';
import { releaseEstop } from '../../daemon/estop.js';
import { townLayout } from '../../town/layout.js';
import { printJson } from '../output.js';

export const spec: CommandSpec = {
  usage: 'gt thaw [--town DIR] [--json]',
  description: "End an emergency stop: remove <town>/ESTOP and wake the daemon (SIGUSR1) so it reconciles the agents at once.",
  options: { json: { type: 'boolean', description: 'print {changed, daemon} as JSON' } },
  details: 'Not an error when ESTOP was not set (exit 0).',
};

export async function run(ctx: CommandContext): Promise<number> {
  const layout = townLayout(ctx.town());
  const { changed, path, daemon } = await releaseEstop(layout);
  if (ctx.json) printJson({ changed, path, daemon });
  else if (!changed) ctx.out('ESTOP was not set');
  else ctx.out(daemon ? `ESTOP removed; daemon woken (pid ${daemon})` : 'ESTOP removed (the daemon is not running)');
  return 0;
}

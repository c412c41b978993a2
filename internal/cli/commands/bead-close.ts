import type { CommandContext, CommandSpec } from '../spec.js';
import { printJson } from '../output.js';
import { oneLine } from '../../safe-text.js';
import { runWithLedger, str } from './bead-common.js';

export const spec: CommandSpec = {
  usage: 'gt bead close <id> [--reason R] [--json]',
  description: 'Close a work bead. Closing a closed bead is not an error.',
  positionals: [{ name: 'id', required: true, description: 'the bead id' }],
  options: {
    reason: { type: 'string', short: 'r', arg: 'R', description: 'why (kept in the bead as close_reason)' },
    json: { type: 'boolean', description: 'print the closed bead as JSON' },
  },
};

export async function run(ctx: CommandContext): Promise<number> {
  const id = ctx.args.positionals[0]!;
  const bead = runWithLedger(ctx, ({ ledger }) => ledger.closeBead(id, str(ctx, 'reason')));
  if (ctx.json) printJson(bead);
  else ctx.out(`closed ${bead.id}  ${oneLine(bead.title)}`);
  return 0;
}

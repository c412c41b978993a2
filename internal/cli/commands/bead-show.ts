import type { CommandContext, CommandSpec } from '../spec.js';
import { printJson } from '../output.js';
import { notFound } from '../../ledger/store.js';
import { beadDetailLines, runWithLedger } from './bead-common.js';

export const spec: CommandSpec = {
  usage: 'gt bead show <id> [--json]',
  description: 'Show one bead: its status, assignee, fields and description.',
  positionals: [{ name: 'id', required: true, description: 'the bead id, e.g. gt-a1b2c' }],
  options: { json: { type: 'boolean', description: 'print the bead as JSON' } },
};

export async function run(ctx: CommandContext): Promise<number> {
  const id = ctx.args.positionals[0]!;
  const bead = runWithLedger(ctx, ({ ledger }) => ledger.getBead(id));
  if (!bead) throw notFound(id);
  if (ctx.json) printJson(bead);
  else for (const l of beadDetailLines(bead)) ctx.out(l);
  return 0;
}

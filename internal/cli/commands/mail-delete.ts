import type { CommandContext, CommandSpec } from '../spec.js';
import { printJson } from '../output.js';
import { runWithLedger } from './bead-common.js';

export const spec: CommandSpec = {
  usage: 'gt mail delete <id> [--json]',
  description: 'Delete a message for good.',
  positionals: [{ name: 'id', required: true, description: 'the message id' }],
  options: { json: { type: 'boolean', description: 'print {deleted: id} as JSON' } },
};

export async function run(ctx: CommandContext): Promise<number> {
  const id = ctx.args.positionals[0]!;
  runWithLedger(ctx, ({ ledger }) => ledger.deleteMail(id));
  if (ctx.json) printJson({ deleted: id });
  else ctx.out(`deleted ${id}`);
  return 0;
}

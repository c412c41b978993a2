import type { CommandContext, CommandSpec } from '../spec.js';
import { printJson } from '../output.js';
import { runWithLedger } from './bead-common.js';
import { messageLines } from './mail-common.js';

export const spec: CommandSpec = {
  usage: 'gt mail read <id> [--json]',
  description: 'Show a message and mark it read.',
  positionals: [{ name: 'id', required: true, description: 'the message id (from gt mail inbox)' }],
  options: { json: { type: 'boolean', description: 'print the message as JSON' } },
};

export async function run(ctx: CommandContext): Promise<number> {
  const msg = runWithLedger(ctx, ({ ledger }) => ledger.readMail(ctx.args.positionals[0]!));
  if (ctx.json) printJson(msg);
  else for (const l of messageLines(msg)) ctx.out(l);
  return 0;
}

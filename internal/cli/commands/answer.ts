import type { CommandContext, CommandSpec } from '../spec.js';
import { printJson } from '../output.js';
import { oneLine } from '../../safe-text.js';
import { runWithLedger } from './bead-common.js';
import { senderOf } from './mail-common.js';

export const spec: CommandSpec = {
  usage: 'gt answer <id> "text" [--json]',
  description: 'Answer a question an agent asked (gt questions lists them); the asking agent gets it at once.',
  positionals: [
    { name: 'id', required: true, description: 'the question id' },
    { name: 'text', required: true, description: 'the answer; with options, one of them (case does not matter)' },
  ],
  options: { json: { type: 'boolean', description: 'print the answered question as JSON' } },
  details: 'Refused when the question was already answered or has expired (its asker stopped waiting).',
};

export async function run(ctx: CommandContext): Promise<number> {
  const [id, text] = ctx.args.positionals as [string, string];
  const q = runWithLedger(ctx, ({ ledger }) => ledger.answerQuestion(id, text, senderOf(undefined)));
  if (ctx.json) printJson(q);
  else ctx.out(`answered ${q.id} (${q.from}): ${oneLine(q.answer!)}`);
  return 0;
}

import type { CommandContext, CommandSpec } from '../spec.js';
import { printJson, table } from '../output.js';
import { runWithLedger, shortTime } from './bead-common.js';

export const spec: CommandSpec = {
  usage: 'gt questions [--json]',
  description: 'List the open questions agents asked the person (gt ask), oldest first.',
  options: { json: { type: 'boolean', description: 'print the questions as a JSON array' } },
  details: 'Answer one with: gt answer <id> "text". Each question is also in the person\'s inbox: gt mail inbox overseer.',
};

export async function run(ctx: CommandContext): Promise<number> {
  const qs = runWithLedger(ctx, ({ ledger }) => ledger.openQuestions());
  if (ctx.json) {
    printJson(qs);
    return 0;
  }
  if (qs.length === 0) {
    ctx.out('no open questions');
    return 0;
  }
  const rows = [['ID', 'ASKED', 'FROM', 'EXPIRES', 'QUESTION']];
  for (const q of qs) {
    const opts = q.options ? ` [${q.options.join('/')}]` : '';
    rows.push([q.id, shortTime(q.created_at), q.from, shortTime(q.expires_at), `${q.text.split('\n')[0]}${opts}`]);
  }
  for (const l of table(rows)) ctx.out(l);
  return 0;
}

import type { CommandContext, CommandSpec } from '../spec.js';
import { printJson, table } from '../output.js';
import { ADDRESS_FORMS } from '../../ledger/address.js';
import { runWithLedger } from './bead-common.js';
import { inboxOwner, inboxRows } from './mail-common.js';

export const spec: CommandSpec = {
  usage: 'gt mail inbox [address] [--unread] [--all] [--json]',
  description: 'List the messages in an inbox, oldest first ("*" marks unread).',
  positionals: [{ name: 'address', description: `whose inbox (default: your own inside an agent session): ${ADDRESS_FORMS.join(', ')}` }],
  options: {
    unread: { type: 'boolean', description: 'only unread messages' },
    all: { type: 'boolean', description: 'include claimed (closed) messages' },
    json: { type: 'boolean', description: 'print the messages as a JSON array' },
  },
};

export async function run(ctx: CommandContext): Promise<number> {
  const owner = inboxOwner(ctx.args.positionals[0]);
  const msgs = runWithLedger(ctx, ({ ledger }) =>
    ledger.inbox(owner.address, { unread: Boolean(ctx.args.values.unread), all: Boolean(ctx.args.values.all) }),
  );
  if (ctx.json) {
    printJson(msgs);
    return 0;
  }
  const unread = msgs.filter((m) => !m.read).length;
  ctx.out(`${owner.address}: ${msgs.length} message${msgs.length === 1 ? '' : 's'}${unread ? ` (${unread} unread)` : ''}`);
  for (const l of table(inboxRows(msgs))) ctx.out(l);
  return 0;
}

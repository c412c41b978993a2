import type { CommandContext, CommandSpec } from '../spec.js';
import { printJson } from '../output.js';
import { UsageError } from '../../errors.js';
import { ADDRESS_FORMS, parseMailAddress } from '../../ledger/address.js';
import { runWithLedger, str } from './bead-common.js';
import { requireKnownRig, senderOf } from './mail-common.js';

export const spec: CommandSpec = {
  usage: 'gt mail send <address> -s SUBJECT [-m BODY] [--from ADDR] [--json]',
  description: 'Send a message to an agent or to the person (overseer).',
  positionals: [{ name: 'address', required: true, description: `the recipient: ${ADDRESS_FORMS.join(', ')}` }],
  options: {
    subject: { type: 'string', short: 's', arg: 'SUBJECT', description: 'one-line subject (required)' },
    message: { type: 'string', short: 'm', arg: 'BODY', description: 'the message body' },
    from: { type: 'string', arg: 'ADDR', description: 'send as this address (default: see below)' },
    json: { type: 'boolean', description: 'print the sent message as JSON' },
  },
  details: [
    'The sender is --from if given; else, inside an agent session, the identity from GT_ROLE,',
    'GT_RIG, GT_POLECAT (GT_CREW for crew): mayor/, deacon/, <rig>/witness, <rig>/polecats/<name>...;',
    'outside a session it is the person, "overseer". Mail to the person: gt mail send overseer ...',
    '(read with gt mail inbox overseer; "human" is accepted for "overseer").',
    'A rig address must name a rig in mayor/rigs.json. <rig>/<name> is short for <rig>/polecats/<name>.',
  ].join('\n'),
};

export async function run(ctx: CommandContext): Promise<number> {
  const subject = str(ctx, 'subject');
  if (subject === undefined) throw new UsageError('gt mail send: missing -s SUBJECT', `usage: ${spec.usage}`);
  const to = parseMailAddress(ctx.args.positionals[0]!);
  const from = senderOf(str(ctx, 'from'));
  const msg = runWithLedger(ctx, ({ ledger, layout }) => {
    requireKnownRig(layout, to);
    return ledger.sendMail({ from, to: to.address, subject, body: str(ctx, 'message') ?? '' });
  });
  if (ctx.json) printJson(msg);
  else ctx.out(`sent ${msg.id} to ${msg.to}`);
  return 0;
}

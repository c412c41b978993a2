import type { CommandContext, CommandSpec } from '../spec.js';
import { nudgeAgent } from '../../session/attach.js';
import { UsageError } from '../../errors.js';
import { printJson } from '../output.js';

export const spec: CommandSpec = {
  usage: 'gt nudge <agent> <text...> [--town DIR] [--json]',
  description:
    "Type a message into an agent's prompt and press Enter: control characters are removed, the text is sent literally, Enter separately, and the pane is checked for a reaction (Enter is retried a few times).",
  positionals: [
    { name: 'agent', required: true, description: 'identity or session name' },
    { name: 'text', required: true, rest: true, description: 'what to type (words are joined with spaces)' },
  ],
  options: { json: { type: 'boolean', description: 'print {session, delivered, enterAttempts} as JSON' } },
  details:
    'Before typing, and again before each Enter, the screen is read: at a screen only a person may answer (a folder trust dialog, a login or API-key prompt, a bypass-permissions confirmation, a tool permission prompt, a usage limit, another dialog of the agent CLI) nothing is typed and gt prints "refused: <agent> is at <screen>; a person must answer it (gt attach <agent>)". Exit 1 then, and when the pane showed no reaction to Enter.',
};

export async function run(ctx: CommandContext): Promise<number> {
  const [agent, ...words] = ctx.args.positionals;
  const text = words.join(' ');
  if (!text.trim()) throw new UsageError('nudge: missing <text>');
  const r = await nudgeAgent(ctx.town(), agent!, text);
  if (ctx.json) printJson(r);
  else ctx.out(r.delivered ? `nudged ${r.session}` : `gt: typed into ${r.session} but the pane did not react to Enter after ${r.enterAttempts} tries`);
  return r.delivered ? 0 : 1;
}

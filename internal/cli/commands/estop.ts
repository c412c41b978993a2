import type { CommandContext, CommandSpec } from '../spec.js';
import { engageEstop, readEstop } from '../../daemon/estop.js';
import { townLayout } from '../../town/layout.js';
import { printJson } from '../output.js';

export const spec: CommandSpec = {
  usage: 'gt estop [--reason TEXT] [--status] [--town DIR] [--json]',
  description:
    "Emergency stop: create <town>/ESTOP. While it exists the daemon starts, kills and nudges no agent (running sessions are left as they are). 'gt thaw' removes it.",
  options: {
    reason: { type: 'string', arg: 'TEXT', description: 'why (recorded in the ESTOP file)' },
    status: { type: 'boolean', description: 'only report whether ESTOP is set; change nothing' },
    json: { type: 'boolean', description: 'print {set, path, created_at, by, reason, changed} as JSON' },
  },
  details: 'Setting it again is not an error (exit 0; the first record is kept). The daemon is woken (SIGUSR1) so it logs the stop at once.',
};

export async function run(ctx: CommandContext): Promise<number> {
  const layout = townLayout(ctx.town());
  if (ctx.args.values.status) {
    const r = readEstop(layout);
    if (ctx.json) printJson(r);
    else ctx.out(r.set ? `ESTOP is set${describe(r)}` : 'ESTOP is not set');
    return 0;
  }
  const reason = typeof ctx.args.values.reason === 'string' ? ctx.args.values.reason.trim() || undefined : undefined;
  const r = await engageEstop(layout, reason);
  if (ctx.json) printJson(r);
  else ctx.out(r.changed ? `ESTOP set: the daemon starts, kills and nudges nothing until 'gt thaw'` : `ESTOP was already set${describe(r)}`);
  return 0;
}

function describe(r: { created_at?: string; by?: string; reason?: string }): string {
  const parts = [r.created_at && `since ${r.created_at}`, r.by && `by ${r.by}`, r.reason && `reason: ${r.reason}`].filter(Boolean);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

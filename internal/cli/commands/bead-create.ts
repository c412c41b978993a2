import type { CommandContext, CommandSpec } from '../spec.js';
import { printJson } from '../output.js';
import { parsePriority, resolvePrefix, runWithLedger, str } from './bead-common.js';
import { validatePrefixForm } from '../../rig/names.js';

export const spec: CommandSpec = {
  usage: 'gt bead create --rig R --title T [--description D] [--priority N] [--json]',
  description: "Create a work bead in the town ledger. Its id is '<rig prefix>-<random>'.",
  options: {
    rig: { type: 'string', arg: 'R', description: 'the rig the work belongs to (from mayor/rigs.json)' },
    prefix: { type: 'string', arg: 'P', description: 'an id prefix instead of --rig (before any rig exists)' },
    title: { type: 'string', short: 't', arg: 'T', description: 'one-line title (required)' },
    description: { type: 'string', short: 'd', arg: 'D', description: 'longer description' },
    priority: { type: 'string', short: 'p', arg: 'N', description: 'priority 0 (highest) .. 4; default 2' },
    json: { type: 'boolean', description: 'print the new bead as JSON' },
  },
  details: 'Prints the new bead id (with --json, the whole bead).',
};

export async function run(ctx: CommandContext): Promise<number> {
  const bead = runWithLedger(ctx, ({ ledger, layout }) => {
    const { prefix, rig } = resolvePrefix(layout, str(ctx, 'rig'), str(ctx, 'prefix'));
    // Work beads never take a reserved prefix (hq: town agents, msg: mail): the rule rig add uses.
    validatePrefixForm(prefix);
    return ledger.createBead({
      prefix,
      title: str(ctx, 'title') ?? '',
      description: str(ctx, 'description') ?? '',
      priority: parsePriority(str(ctx, 'priority')),
      fields: rig ? { rig } : {},
    });
  });
  // Only the id, so `gt sling $(gt bead create ...) myrig` works (README and --help say so).
  if (ctx.json) printJson(bead);
  else ctx.out(bead.id);
  return 0;
}

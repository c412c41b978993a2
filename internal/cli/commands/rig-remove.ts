import type { CommandContext, CommandSpec } from '../spec.js';
import { printJson } from '../output.js';
import { townLayout } from '../../town/layout.js';
import { removeRig } from '../../rig/remove.js';

export const spec: CommandSpec = {
  usage: 'gt rig remove <name> [--force] [--json]',
  description: "Remove a rig: its directory (clone, worktrees, polecats) and its mayor/rigs.json entry. Refuses while any of the rig's tmux sessions run.",
  positionals: [{ name: 'name', required: true, description: 'the rig' }],
  options: {
    force: { type: 'boolean', short: 'f', description: "kill the rig's sessions first instead of refusing" },
    json: { type: 'boolean', description: 'print the result as JSON' },
  },
  details: 'Uncommitted and unmerged work in the rig is deleted with it. Its agent beads stay in the ledger.',
};

export async function run(ctx: CommandContext): Promise<number> {
  const r = await removeRig(townLayout(ctx.town()), ctx.args.positionals[0]!, { force: Boolean(ctx.args.values.force) });
  if (ctx.json) printJson(r);
  else ctx.out(`removed rig ${r.name}${r.killed.length ? ` (killed ${r.killed.join(', ')})` : ''}`);
  return 0;
}

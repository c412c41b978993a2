import type { CommandContext, CommandSpec } from '../spec.js';
import { printJson, table } from '../output.js';
import { townLayout } from '../../town/layout.js';
import { listRigs } from '../../rig/list.js';

export const spec: CommandSpec = {
  usage: 'gt rig list [--json]',
  description: 'List the rigs of the town: name, prefix, state, main branch, agent runtime and source.',
  options: { json: { type: 'boolean', description: 'print the rigs as a JSON array' } },
};

export async function run(ctx: CommandContext): Promise<number> {
  const rigs = await listRigs(townLayout(ctx.town()));
  if (ctx.json) {
    printJson(rigs);
    return 0;
  }
  if (rigs.length === 0) {
    ctx.out("no rigs (add one with 'gt rig add <name> <repo>')");
    return 0;
  }
  const rows = [['NAME', 'PREFIX', 'STATE', 'BRANCH', 'AGENT', 'SOURCE'], ...rigs.map((r) => [r.name, r.prefix, r.state, r.main_branch ?? '?', r.agent ?? '-', r.git_url])];
  for (const l of table(rows)) ctx.out(l);
  return 0;
}

import type { CommandContext, CommandSpec } from '../spec.js';
import { listAgents } from '../../session/agents.js';
import { paint, printJson, table } from '../output.js';

export const spec: CommandSpec = {
  usage: 'gt agents [--town DIR] [--json]',
  description:
    'Every known agent: the supervised role sessions, any other gt session on the town server, and polecats in the ledger, with identity, role, rig, session, runtime, liveness (alive, zombie, dead, unknown), and state and hook from the ledger.',
  options: { json: { type: 'boolean', description: 'print the agents as JSON' } },
};

const COLOURS = { alive: 'green', zombie: 'yellow', dead: 'red', unknown: 'dim' } as const;

export async function run(ctx: CommandContext): Promise<number> {
  const agents = await listAgents(ctx.town());
  if (ctx.json) {
    printJson(agents);
    return 0;
  }
  if (agents.length === 0) {
    ctx.out('no agents (run gt up)');
    return 0;
  }
  const rows = [['IDENTITY', 'ROLE', 'RIG', 'SESSION', 'RUNTIME', 'LIVENESS', 'STATE', 'HOOK']];
  for (const a of agents) rows.push([a.identity, a.role, a.rig ?? '-', a.session, a.runtime, a.liveness, a.state ?? '-', a.hook ?? '-']);
  const lines = table(rows);
  ctx.out(lines[0]);
  agents.forEach((a, i) => ctx.out(lines[i + 1]!.replace(a.liveness, paint(a.liveness, COLOURS[a.liveness]))));
  return 0;
}

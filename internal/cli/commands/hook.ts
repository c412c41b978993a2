import type { CommandContext, CommandSpec } from '../spec.js';
import { GtError } from '../../errors.js';
import { agentBeadId, identityFromEnv, withLedger } from '../../ledger/index.js';
import { townLayout } from '../../town/layout.js';
import { readRigs, requireRig } from '../../town/rigs.js';
import { printJson } from '../output.js';
import { oneLine, safeBlock } from '../../safe-text.js';

export const spec: CommandSpec = {
  usage: 'gt hook [--town DIR] [--json]',
  description: "Inside an agent session: show the work bead on this agent's hook (what it should be doing now).",
  options: { json: { type: 'boolean', description: 'print {agent, state, hook} as JSON (hook is null when empty)' } },
};

export async function run(ctx: CommandContext): Promise<number> {
  const who = identityFromEnv(process.env);
  if (!who) throw new GtError('INVALID_INPUT', 'gt hook runs inside an agent session (GT_ROLE is not set)', { hint: 'use gt agents to see every hook' });
  const layout = townLayout(ctx.town());
  const prefix = who.rig ? requireRig(readRigs(layout), who.rig).prefix : undefined;
  const id = agentBeadId(who, prefix);
  const { agent, bead } = withLedger(layout, (l) => {
    const a = l.getAgentBead(id);
    return { agent: a, bead: a?.hook_bead ? l.getBead(a.hook_bead) : undefined };
  });
  const hook = bead ? { id: bead.id, title: bead.title, description: bead.description, status: bead.status } : null;
  if (ctx.json) printJson({ agent: who.address, state: agent?.agent_state ?? null, hook });
  else if (hook) {
    ctx.out(`${hook.id}  ${oneLine(hook.title)}  (${hook.status})`);
    if (hook.description) ctx.out(safeBlock(hook.description));
  } else ctx.out('nothing on your hook');
  return 0;
}

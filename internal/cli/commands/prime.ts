import type { CommandContext, CommandSpec } from '../spec.js';
import { agentFromInputs, prime } from '../../session/prime.js';
import { printJson } from '../output.js';

export const spec: CommandSpec = {
  usage: 'gt prime [--role ROLE [--rig RIG] [--name NAME]] [--json]',
  description:
    "Print the instructions for the current agent (found from GT_ROLE, GT_RIG, GT_POLECAT/GT_CREW and GT_TOWN_ROOT) with the town's values filled in.",
  options: {
    role: { type: 'string', arg: 'ROLE', description: 'mayor, deacon, boot, witness, refinery, polecat or crew (default: GT_ROLE)' },
    rig: { type: 'string', arg: 'RIG', description: 'the rig, for rig roles (default: GT_RIG)' },
    name: { type: 'string', arg: 'NAME', description: 'polecat or crew name (default: GT_POLECAT / GT_CREW)' },
    json: { type: 'boolean', description: 'print {role, identity, session, instructions} as JSON' },
  },
  details: 'Outside an agent session, pass --role (exit 2 otherwise).',
};

export async function run(ctx: CommandContext): Promise<number> {
  const v = ctx.args.values;
  const ref = agentFromInputs(
    { role: v.role as string | undefined, rig: v.rig as string | undefined, name: v.name as string | undefined },
    process.env,
  );
  const p = prime(ctx.town(), ref, { sessionFromEnv: ref.fromEnv ? process.env.GT_SESSION : undefined });
  if (ctx.json) printJson(p);
  else process.stdout.write(p.instructions.endsWith('\n') ? p.instructions : `${p.instructions}\n`);
  return 0;
}

import type { CommandContext, CommandSpec } from '../spec.js';
import { attachAgent } from '../../session/attach.js';
import { UsageError } from '../../errors.js';
import type { Role } from '../../config/roles.js';

export const spec: CommandSpec = {
  usage: 'gt attach <agent> [--town DIR]',
  description:
    "Attach this terminal to an agent's tmux session on the town's server (detach with the tmux prefix, then d). <agent> is an identity (deacon, mayor, <rig>/witness, <rig>/refinery, <rig>/<polecat>) or a session name (hq-deacon).",
  positionals: [{ name: 'agent', required: true, description: 'identity or session name' }],
};

export async function run(ctx: CommandContext): Promise<number> {
  return attachAgent(ctx.town(), ctx.args.positionals[0]!);
}

/** `gt <role> attach [rig]`: the same, naming the agent by role. */
export function forRole(role: Role) {
  const needsRig = role === 'witness' || role === 'refinery';
  return {
    spec: {
      usage: `gt ${role} attach${needsRig ? ' <rig>' : ''} [--town DIR]`,
      description: `Attach this terminal to the ${role}${needsRig ? " of <rig>" : ''}'s tmux session.`,
      positionals: needsRig ? [{ name: 'rig', required: true, description: 'the rig' }] : [],
    } satisfies CommandSpec,
    async run(ctx: CommandContext): Promise<number> {
      const rig = ctx.args.positionals[0];
      if (needsRig && !rig) throw new UsageError(`${role} attach: missing <rig>`);
      return attachAgent(ctx.town(), needsRig ? `${rig}/${role}` : role);
    },
  };
}

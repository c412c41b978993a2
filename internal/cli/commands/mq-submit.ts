import type { CommandContext, CommandSpec } from '../spec.js';
import { printJson } from '../output.js';
import { UsageError } from '../../errors.js';
import { townLayout } from '../../town/layout.js';
import { submit } from '../../rig/mq.js';

export const spec: CommandSpec = {
  usage: 'gt mq submit <rig> <polecat> --bead B [--branch BR] [--json]',
  description: "Queue a polecat's branch (default polecat/<polecat>) for the refinery to merge. 'gt done' does this for you.",
  positionals: [
    { name: 'rig', required: true, description: 'the rig' },
    { name: 'polecat', required: true, description: 'the polecat whose work it is' },
  ],
  options: {
    bead: { type: 'string', arg: 'B', description: 'the work bead the branch completes (required)' },
    branch: { type: 'string', arg: 'BR', description: 'the branch to merge (default: polecat/<polecat>)' },
    json: { type: 'boolean', description: 'print the queue entry as JSON' },
  },
};

export async function run(ctx: CommandContext): Promise<number> {
  const [rig, polecat] = ctx.args.positionals as [string, string];
  const bead = ctx.args.values.bead;
  if (typeof bead !== 'string') throw new UsageError('gt mq submit: --bead is required', `usage: ${spec.usage}`);
  const branch = typeof ctx.args.values.branch === 'string' ? ctx.args.values.branch : undefined;
  const e = await submit(townLayout(ctx.town()), rig, { polecat, bead, ...(branch ? { branch } : {}) });
  if (ctx.json) printJson(e);
  else ctx.out(`queued ${e.branch} for rig ${e.rig} (${e.id})`);
  return 0;
}

import type { CommandContext, CommandSpec } from '../spec.js';
import { slingPolecat } from '../../daemon/sling.js';
import { printJson } from '../output.js';

export const spec: CommandSpec = {
  usage: 'gt sling <bead> <rig> [--town DIR] [--json]',
  description:
    "Hand a work bead to a new polecat of <rig>: a free name from the pool, a worktree <rig>/polecats/<name> on branch polecat/<name>, the bead on its hook, and its session started with the rig's runtime, through the daemon's start path and recorded as a first start (the daemon, if it runs, is woken to look at once).",
  positionals: [
    { name: 'bead', required: true, description: 'an open work bead (gt bead list)' },
    { name: 'rig', required: true, description: 'the rig to work in (gt rig list)' },
  ],
  options: { json: { type: 'boolean', description: 'print the polecat, session and worktree as JSON' } },
  details: 'Exit 1 if the bead is already hooked, the rig is parked or docked, or the session did not start\n(in that last case the hook stays and the daemon restarts the polecat).',
};

export async function run(ctx: CommandContext): Promise<number> {
  const [bead, rig] = ctx.args.positionals as [string, string];
  const r = await slingPolecat(ctx.town(), bead, rig);
  if (ctx.json) printJson(r);
  else {
    if (r.started) ctx.out(`slung ${r.bead} to ${r.identity} (session ${r.session}, worktree ${r.worktree})`);
    else ctx.err(`gt: ${r.bead} is on ${r.identity}'s hook but its session did not start: ${r.error}`);
    for (const s of r.settled ?? []) ctx.out(`gt settled: ${s}`);
  }
  return r.started ? 0 : 1;
}

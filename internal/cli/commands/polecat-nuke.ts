import type { CommandContext, CommandSpec } from '../spec.js';
import { nukePolecat } from '../../daemon/polecats.js';
import { printJson } from '../output.js';

export const spec: CommandSpec = {
  usage: 'gt polecat nuke <rig>/<name> [--force] [--json]',
  description:
    "Reap a polecat now: end its session, remove its worktree, delete its branch polecat/<name>, and mark it nuked (its slot is free; the daemon dispatches the next queued bead). Refuses a polecat with work on its hook or work not merged into main (uncommitted changes, commits not on main) unless --force.",
  positionals: [{ name: 'polecat', required: true, description: '<rig>/<name> (gt polecat list)' }],
  options: {
    force: { type: 'boolean', description: 'throw away unmerged work; a bead on its hook goes back to open work' },
    json: { type: 'boolean', description: 'print what was done as JSON' },
  },
  details: 'Exit 1 when refused (unmerged work, work on its hook) or when the polecat does not exist.',
};

export async function run(ctx: CommandContext): Promise<number> {
  const r = await nukePolecat(ctx.town(), ctx.args.positionals[0]!, { force: ctx.args.values.force === true });
  if (ctx.json) {
    printJson(r);
    return 0;
  }
  const done = [r.session_killed ? `session ${r.session} ended` : 'no session', r.worktree_removed ? 'worktree removed' : 'no worktree', r.branch_deleted ? 'branch deleted' : 'no branch'];
  ctx.out(`nuked ${r.identity}: ${done.join(', ')}${r.released_bead ? `; ${r.released_bead} is open work again` : ''}`);
  return 0;
}

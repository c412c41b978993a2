import type { CommandContext, CommandSpec } from '../spec.js';
import { listPolecats } from '../../daemon/polecats.js';
import { printJson, table } from '../output.js';

export const spec: CommandSpec = {
  usage: 'gt polecat list [<rig>] [--json]',
  description:
    "The town's polecats (one rig's with <rig>): state, hook, session, worktree, and what git says reaping would throw away (uncommitted changes, commits not on main). Reaped polecats show state nuked.",
  positionals: [{ name: 'rig', description: 'only this rig' }],
  options: { json: { type: 'boolean', description: 'print the polecats as JSON' } },
};

export async function run(ctx: CommandContext): Promise<number> {
  const rows = await listPolecats(ctx.town(), ctx.args.positionals[0]);
  if (ctx.json) {
    printJson(rows);
    return 0;
  }
  if (rows.length === 0) ctx.out('no polecats');
  for (const l of table(rows.map((r) => [r.identity, r.state, r.hook ?? '-', r.worktree ? 'worktree' : '-', r.unmerged ? `unmerged: ${r.unmerged}` : 'clean']))) ctx.out(l);
  return 0;
}

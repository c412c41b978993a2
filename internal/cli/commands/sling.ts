import type { CommandContext, CommandSpec } from '../spec.js';
import { slingPolecat } from '../../daemon/sling.js';
import { UsageError } from '../../errors.js';
import { printJson, table } from '../output.js';

export const spec: CommandSpec = {
  usage: 'gt sling <bead> <rig> [--now] [--json] | gt sling --list [<rig>] [--json]',
  description:
    "Hand a work bead to a new polecat of <rig>: a free name from the pool, a worktree <rig>/polecats/<name> on branch polecat/<name>, the bead on its hook, and its session started with the rig's runtime, through the daemon's start path and recorded as a first start (the daemon, if it runs, is woken to look at once).\n\n" +
    'Capacity: at most rigs.<rig>.max_polecats polecats (default 4) per rig and polecats.max (default 12) in the town hold a slot at once (every polecat until it is reaped). Beyond a cap, or behind beads already queued for the rig, the bead is queued (state queued in gt status) and the daemon dispatches it, by priority then age, when a slot frees.',
  positionals: [
    { name: 'bead', description: 'an open work bead (gt bead list)' },
    { name: 'rig', description: 'the rig to work in (gt rig list); with --list, only that rig' },
  ],
  options: {
    now: { type: 'boolean', description: 'start it now even beyond the cap (said in the output)' },
    list: { type: 'boolean', description: 'show the dispatch queue in order, then the polecats at work and each rig\'s slots' },
    json: { type: 'boolean', description: 'print the result (or the queue) as JSON' },
  },
  details:
    'Exit 0 when started or queued. Exit 1 if the bead is already hooked or queued, the rig is parked or docked,\nor the session did not start (in that last case the hook stays and the daemon restarts the polecat).',
};

export async function run(ctx: CommandContext): Promise<number> {
  const [bead, rig] = ctx.args.positionals as [string | undefined, string | undefined];
  if (ctx.args.values.list) {
    if (rig !== undefined) throw new UsageError('gt sling --list takes at most one <rig>', `usage: ${spec.usage}`);
    return list(ctx, bead);
  }
  if (bead === undefined || rig === undefined) throw new UsageError(`gt sling: missing <${bead === undefined ? 'bead' : 'rig'}>`, `usage: ${spec.usage}`);
  const now = ctx.args.values.now === true;
  const r = await slingPolecat(ctx.town(), bead, rig, { mode: now ? 'now' : 'queue' });
  if (ctx.json) {
    printJson(r);
    return r.queued || r.started ? 0 : 1;
  }
  if (r.queued) {
    ctx.out(`queued ${r.bead} for ${r.rig}: position ${r.position} of ${r.depth} (${r.load}/${r.max} polecats; the daemon dispatches it when a slot frees; gt sling --now to start it anyway)`);
    return 0;
  }
  if (r.over_cap) ctx.out(`gt: --now: starting beyond the cap of rig ${r.rig} or the town (rigs.${r.rig}.max_polecats, polecats.max)`);
  if (r.started) ctx.out(`slung ${r.bead} to ${r.identity} (session ${r.session}, worktree ${r.worktree})`);
  else ctx.err(`gt: ${r.bead} is on ${r.identity}'s hook but its session did not start: ${r.error}`);
  for (const s of r.settled ?? []) ctx.out(`gt settled: ${s}`);
  return r.started ? 0 : 1;
}

async function list(ctx: CommandContext, rig: string | undefined): Promise<number> {
  const { readQueueView } = await import('../../daemon/queue-view.js');
  const v = readQueueView(ctx.town(), rig);
  if (ctx.json) {
    printJson(v);
    return 0;
  }
  ctx.out(`queued: ${v.queued.length || 'none'}`);
  for (const l of table(v.queued.map((b) => [String(b.position), b.id, b.rig, `p${b.priority}`, b.queued_at, b.title]))) ctx.out(`  ${l}`);
  ctx.out(`polecats: ${v.polecats.length || 'none'}`);
  for (const l of table(v.polecats.map((p) => [p.identity, p.state, p.hook ?? '-']))) ctx.out(`  ${l}`);
  for (const l of table(v.rigs.map((r) => [r.rig, `${r.polecats}/${r.max} polecats`, `${r.queued} queued`, r.state]))) ctx.out(`rig ${l}`);
  ctx.out(`town: ${v.town.polecats}/${v.town.max} polecats (polecats.max)`);
  return 0;
}

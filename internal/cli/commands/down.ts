import type { CommandContext, CommandSpec } from '../spec.js';
import { townDown as bringDown } from '../../daemon/down.js';
import { printJson } from '../output.js';
import { townLayout } from '../../town/layout.js';

export const spec: CommandSpec = {
  usage: 'gt down [--town DIR] [--json]',
  description:
    "Stop this town: its dashboard (gt dashboard: TERM, then KILL, to the process that holds dashboard/dashboard.lock, that dashboard/dashboard.pid names and that is this town's dashboard by its command line and start time), every session on the town's tmux server with its whole process tree (including processes that escaped with setsid), then the daemon, then every process left that was started for one of the town's sessions (GT_TOWN_ROOT and GT_SESSION in its environment) or runs below the town's tmux server, whether or not its session still exists. Holds daemon/shutdown.lock while it runs so nothing restarts what it stops (where the lock cannot be had, a read-only or full disk, it stops the daemon first instead), and records every run it ended as a deliberate stop (not a crash: the next gt up starts the agents as first starts). Other tmux servers and other towns are left alone, and so is any process a stale dashboard/dashboard.pid names or that holds dashboard/dashboard.lock without being the town's dashboard (said in a note).",
  options: { json: { type: 'boolean', description: 'print what was stopped as JSON: {sessions, processes, daemon, dashboard, remaining, notes}' } },
  details: 'Exit 1 if a session, a process or the dashboard survived (they are listed).',
};

export async function run(ctx: CommandContext): Promise<number> {
  const town = ctx.town();
  const r = await bringDown(town, {
    stopDashboard: async () => (await import('../../dashboard/start.js')).stopDashboard(townLayout(town)),
  });
  if (ctx.json) printJson(r);
  else {
    ctx.out(r.sessions.length ? `stopped ${r.sessions.length} session${r.sessions.length > 1 ? 's' : ''}: ${r.sessions.join(', ')}` : 'no sessions were running');
    if (r.processes) ctx.out(`ended ${r.processes} agent process${r.processes > 1 ? 'es' : ''}`);
    ctx.out(r.daemon ? `daemon stopped (pid ${r.daemon})` : 'daemon was not running');
    ctx.out(r.dashboard ? `dashboard stopped (pid ${r.dashboard})` : 'dashboard was not running');
    for (const n of r.notes) ctx.err(`gt: note: ${n}`);
    if (r.remaining.length) ctx.err(`gt: still running after gt down: ${r.remaining.join(', ')}`);
  }
  return r.remaining.length ? 1 : 0;
}

import type { CommandContext, CommandSpec } from '../spec.js';
import { bringUp } from '../../session/up.js';
import { startDaemon } from '../../daemon/start.js';
import { townLayout } from '../../town/layout.js';
import { printJson, table } from '../output.js';

export const spec: CommandSpec = {
  usage: 'gt up [--town DIR] [--json]',
  description:
    "Start the daemon if needed, then the town's supervised role sessions: the deacon, the mayor (unless disabled), and each active rig's witness and refinery. Safe to run again: running sessions are left alone, zombie sessions (agent gone, shell left) are replaced. A session younger than agents_health.startup_grace is still starting (the daemon may be starting it) and is waited for, never killed.",
  options: { json: { type: 'boolean', description: 'print the daemon pid and each session outcome as JSON' } },
  details: 'Exit 1 if any session failed to start (its exit status and last output are shown).',
};

export async function run(ctx: CommandContext): Promise<number> {
  const town = ctx.town();
  const daemon = await startDaemon(townLayout(town));
  const outcomes = await bringUp(town);
  if (ctx.json) printJson({ daemon, sessions: outcomes });
  else {
    ctx.out(daemon.started ? `daemon started (pid ${daemon.pid})` : `daemon already running (pid ${daemon.pid})`);
    for (const line of table(outcomes.map((o) => [o.status, o.session, o.identity, o.runtime, o.detail ?? '']))) ctx.out(`  ${line}`);
    if (outcomes.length === 0) ctx.out('  no supervised sessions are enabled');
  }
  return outcomes.some((o) => o.status === 'failed') ? 1 : 0;
}

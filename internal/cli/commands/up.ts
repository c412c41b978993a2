import type { CommandContext, CommandSpec } from '../spec.js';
import { UP_FAILED, townUp } from '../../daemon/up.js';
import { parseDuration } from '../../config/units.js';
import { UsageError } from '../../errors.js';
import { printJson, table } from '../output.js';

export const spec: CommandSpec = {
  usage: 'gt up [--wait DURATION] [--town DIR] [--json]',
  description:
    "Bring the town up: start the daemon if needed, then ask it to reconcile now. The daemon is the one starter of supervised sessions: it starts what is missing (the deacon, the mayor unless disabled, each active rig's witness and refinery, polecats with hooked work), replaces zombies, leaves running agents alone and a session still inside its startup grace to finish, and starts agents stopped on purpose (a lifecycle shutdown) again. gt up reports what the daemon did and waits until the agents it started run. An agent the restart rules hold back (backoff, crash loop) is reported with when it is tried next.",
  options: {
    wait: { type: 'string', arg: 'DURATION', description: 'how long to wait for started agents to run (default 30s)' },
    json: { type: 'boolean', description: 'print the daemon pid and each agent outcome as JSON' },
  },
  details:
    'Statuses: running (already was), started, restarted (a zombie replaced), starting (still loading when the wait ended),\nbackoff, crash-loop or no-progress (gt daemon clear-backoff <agent>), failed (its exit status and last output are shown), down.\nExit 1 if any agent failed, is in a crash loop, is not running when the wait ends, or ESTOP (or gt down) kept the daemon from starting anything.',
};

export async function run(ctx: CommandContext): Promise<number> {
  const waitArg = ctx.args.values.wait;
  const waitMs = typeof waitArg === 'string' ? parseDuration(waitArg) : 30_000;
  if (waitMs === undefined) throw new UsageError(`--wait takes a duration like "30s" or "2m" (got ${JSON.stringify(waitArg)})`);
  const r = await townUp(ctx.town(), { waitMs });
  const sessions = r.agents.map((a) => ({ session: a.session, identity: a.identity, runtime: a.runtime, status: a.status, ...(a.detail ? { detail: a.detail } : {}) }));
  const failed = r.gated !== null || r.agents.some((a) => UP_FAILED.has(a.status));
  if (ctx.json) printJson({ daemon: r.daemon, gated: r.gated, sessions });
  else {
    ctx.out(r.daemon.started ? `daemon started (pid ${r.daemon.pid})` : `daemon already running (pid ${r.daemon.pid})`);
    if (r.gated) ctx.err(`gt: ${r.gated}`);
    for (const line of table(sessions.map((o) => [o.status, o.session, o.identity, o.runtime, o.detail ?? '']))) ctx.out(`  ${line}`);
    if (sessions.length === 0) ctx.out('  no supervised sessions are enabled');
  }
  return failed ? 1 : 0;
}

import type { CommandContext, CommandSpec } from '../spec.js';
import { UsageError } from '../../errors.js';
import { clearAgentBackoff } from '../../daemon/clear-backoff.js';
import { townLayout } from '../../town/layout.js';
import { printJson } from '../output.js';

export const spec: CommandSpec = {
  usage: 'gt daemon clear-backoff <agent> | --all [--json] [--town DIR]',
  description:
    "Forget an agent's crashes, restart backoff, crash loop and restarts stopped for want of progress (NO_PROGRESS) so the daemon tries it again now (its next short run is a first one again): clears them in daemon/restart_state.json for that agent (under the daemon's lock, so a running tick cannot overwrite it), then sends the verified daemon SIGUSR2, which runs a tick that reloads the file.",
  positionals: [{ name: 'agent', description: 'identity (deacon, myrig/witness, myrig/toast) or session name (hq-deacon)' }],
  options: {
    all: { type: 'boolean', description: 'clear every agent' },
    json: { type: 'boolean', description: 'print {cleared, not_found, daemon} as JSON' },
  },
  details: 'An agent without a restart record is reported and nothing changes. With no daemon running the cleared state applies when it starts.',
};

export async function run(ctx: CommandContext): Promise<number> {
  const all = Boolean(ctx.args.values.all);
  const input = ctx.args.positionals[0];
  if (all && input) throw new UsageError('give an agent or --all, not both');
  if (!all && !input) throw new UsageError('which agent? (gt daemon clear-backoff <agent>, or --all)');
  if (ctx.args.positionals.length > 1) throw new UsageError(`unexpected argument ${JSON.stringify(ctx.args.positionals[1])}`);
  const r = await clearAgentBackoff(townLayout(ctx.town()), all ? undefined : input);
  if (r.warning) ctx.err(`gt: warning: ${r.warning}`);
  const { cleared, daemon } = r;
  const notFound = r.not_found ?? undefined;
  if (ctx.json) {
    printJson({ cleared, not_found: r.not_found, daemon });
    return 0;
  }
  if (notFound !== undefined) ctx.out(`${notFound} has no restart record (the daemon has not seen it run); nothing to clear`);
  else if (cleared.length === 0) ctx.out('no agent has a restart record; nothing to clear');
  for (const c of cleared) {
    const was = [
      c.was.crash_loop ? `crash loop since ${c.was.crash_loop}` : '',
      c.was.no_progress ? `no progress in ${c.was.no_progress.runs} runs since ${c.was.no_progress.since}` : '', c.was.next_attempt ? `backoff until ${c.was.next_attempt}` : '', `${c.was.crashes} crash${c.was.crashes === 1 ? '' : 'es'} counted`]
      .filter(Boolean)
      .join(', ');
    ctx.out(`cleared ${c.agent} (was: ${was})`);
  }
  if (cleared.length > 0) {
    if (daemon.notified) ctx.out(`daemon (pid ${daemon.pid}) told to reload (SIGUSR2)`);
    else ctx.out(`daemon not told (${daemon.reason}); it reads the cleared state on its next tick`);
  }
  return 0;
}

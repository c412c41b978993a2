import type { CommandContext, CommandSpec } from '../spec.js';
import { listAgents, type AgentRow } from '../../session/agents.js';
import { activityText } from '../../agent/state.js';
import { paint, printJson, table } from '../output.js';

export const spec: CommandSpec = {
  usage: 'gt agents [--town DIR] [--json]',
  description:
    'Every known agent: the supervised role sessions, any other gt session on the town server, and polecats in the ledger, with identity, role, rig, session, runtime, liveness (alive, zombie, dead, unknown), activity (starting, working, idle, blocked: reason, dead; and since when, from the CLI\'s own hooks), state and hook from the ledger, and the daemon\'s restart record (restarts in the window, backoff, crash loop, last start error).',
  options: { json: { type: 'boolean', description: 'print the agents as JSON' } },
};

const COLOURS = { alive: 'green', zombie: 'yellow', dead: 'red', unknown: 'dim' } as const;

export async function run(ctx: CommandContext): Promise<number> {
  const agents = await listAgents(ctx.town());
  if (ctx.json) {
    printJson(agents);
    return 0;
  }
  if (agents.length === 0) {
    ctx.out('no agents (run gt up)');
    return 0;
  }
  const now = Date.now();
  const rows = [['IDENTITY', 'ROLE', 'RIG', 'SESSION', 'RUNTIME', 'LIVENESS', 'ACTIVITY', 'STATE', 'RESTARTS', 'HOOK']];
  for (const a of agents) rows.push([a.identity, a.role, a.rig ?? '-', a.session, a.runtime, a.liveness, activityText(a.activity, now), a.state ?? '-', restartText(a, now), a.hook ?? '-']);
  const lines = table(rows);
  ctx.out(lines[0]);
  agents.forEach((a, i) => ctx.out(lines[i + 1]!.replace(a.liveness, paint(a.liveness, COLOURS[a.liveness]))));
  return 0;
}

/** Compact restart column: "crash-loop", "backoff 20s", "3 restarts", "start failed", or "-". */
export function restartText(a: Pick<AgentRow, 'restarts' | 'backoff_until' | 'crash_loop' | 'last_start_error'>, now: number): string {
  if (a.crash_loop) return 'crash-loop';
  const until = a.backoff_until ? Date.parse(a.backoff_until) - now : 0;
  if (until > 0) return `backoff ${shortDuration(until)}`;
  if (a.restarts > 0) return `${a.restarts} restart${a.restarts === 1 ? '' : 's'}`;
  return a.last_start_error ? 'start failed' : '-';
}

function shortDuration(ms: number): string {
  const s = Math.ceil(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${s % 60 ? `${s % 60}s` : ''}` : `${Math.floor(m / 60)}h${m % 60 ? `${m % 60}m` : ''}`;
}

import type { CommandContext, CommandSpec } from '../spec.js';
import { listAgents, type AgentRow } from '../../daemon/agents-view.js';
import { activityText } from '../../agent/state.js';
import { paint, printJson, table } from '../output.js';

export const spec: CommandSpec = {
  usage: 'gt agents [--town DIR] [--json]',
  description:
    "Every known agent: the supervised role sessions, any other gt session on the town server, and polecats in the ledger, with identity, role, rig, session, runtime, liveness (alive, zombie, dead, unknown), activity (starting, working, idle, blocked: reason, dead; and since when, from the CLI's own hooks), state and hook from the ledger, and the daemon's restart record: crashes counted (short runs in the crash-loop window), how the last run ended (exit status or signal where tmux could tell, and how long it ran), when the next attempt may come, a crash loop, and restarts stopped for want of progress (no_progress: restart.max_without_progress runs in a row never reached working or idle; gt daemon clear-backoff <agent> resumes them).",
  options: { json: { type: 'boolean', description: 'print the agents as JSON' } },
  details: 'A town whose agents never died shows "-" in CRASHES, LAST EXIT and NEXT.',
};

const COLOURS = { alive: 'green', zombie: 'yellow', dead: 'red', unknown: 'dim' } as const;

export async function run(ctx: CommandContext): Promise<number> {
  // The sessions are worth showing when the ledger is not: its problem goes to stderr, once.
  const agents = await listAgents(ctx.town(), { onLedgerError: (e) => process.stderr.write(`gt: ledger unavailable (${e.problem}), state and hook not shown: ${e.line}\n`) });
  if (ctx.json) {
    printJson(agents);
    return 0;
  }
  if (agents.length === 0) {
    ctx.out('no agents (run gt up)');
    return 0;
  }
  const now = Date.now();
  const rows = [['IDENTITY', 'ROLE', 'RIG', 'SESSION', 'RUNTIME', 'LIVENESS', 'ACTIVITY', 'STATE', 'CRASHES', 'LAST EXIT', 'NEXT', 'HOOK']];
  for (const a of agents) {
    rows.push([a.identity, a.role, a.rig ?? '-', a.session, a.runtime, a.liveness, activityText(a.activity, now), a.state ?? '-', a.crashes ? String(a.crashes) : '-', lastExitText(a), nextText(a, now), a.hook ?? '-']);
  }
  const lines = table(rows);
  ctx.out(lines[0]);
  agents.forEach((a, i) => ctx.out(lines[i + 1]!.replace(a.liveness, paint(a.liveness, COLOURS[a.liveness]))));
  return 0;
}

/** "exit 3 after 0s", "SIGKILL after 2s", "died after 4m", "stopped after 1h (gt down)", or "-". */
export function lastExitText(a: Pick<AgentRow, 'last_exit'>): string {
  const e = a.last_exit;
  if (!e) return '-';
  const ran = shortDuration(e.ran_ms);
  if (e.stopped_by) return `stopped after ${ran} (${e.stopped_by})`;
  const how = e.status !== undefined ? `exit ${e.status}` : e.signal !== undefined ? e.signal : e.cause ? 'killed' : 'died';
  return `${how} after ${ran}${e.cause ? ` (${e.cause.split(' (')[0]})` : ''}`;
}

/** "crash loop", "no progress", "held", "in 25s" (backoff), "start failed", or "-". */
export function nextText(a: Pick<AgentRow, 'next_attempt' | 'crash_loop' | 'held' | 'last_start_error'> & Partial<Pick<AgentRow, 'no_progress'>>, now: number): string {
  if (a.crash_loop) return 'crash loop';
  if (a.no_progress) return `no progress (${a.no_progress.runs} runs)`;
  if (a.held) return `held (${a.held.reason})`;
  const until = a.next_attempt ? Date.parse(a.next_attempt) - now : 0;
  if (until > 0) return `in ${shortDuration(until)}`;
  return a.last_start_error ? 'start failed' : '-';
}

function shortDuration(ms: number): string {
  const s = Math.ceil(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${s % 60 ? `${s % 60}s` : ''}` : `${Math.floor(m / 60)}h${m % 60 ? `${m % 60}m` : ''}`;
}

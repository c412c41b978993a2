import { existsSync } from 'node:fs';
import type { CommandContext, CommandSpec } from '../spec.js';
import { daemonStatus } from '../../daemon/status.js';
import { listAgents } from '../../daemon/agents-view.js';
import { townLayout } from '../../town/layout.js';
import { readRigs } from '../../town/rigs.js';
import { withLedger, type Ledger } from '../../ledger/index.js';
import { LedgerUnavailableError } from '../../errors.js';
import { isQueued, queuedBeads } from '../../rig/dispatch-queue.js';
import { activityText } from '../../agent/state.js';
import { printJson, table } from '../output.js';
import { oneLine } from '../../safe-text.js';

export const spec: CommandSpec = {
  usage: 'gt status [--town DIR] [--json]',
  description:
    'The town at a glance: the daemon, rigs, agents (liveness, activity and since when, hook), agents that need a person (NEEDS_HUMAN), open work (a bead waiting in the dispatch queue shows state queued), and unread mail.',
  options: { json: { type: 'boolean', description: 'print everything as one JSON object' } },
};

export async function run(ctx: CommandContext): Promise<number> {
  const town = ctx.town();
  const layout = townLayout(town);
  // An unusable ledger (corrupt, deleted, full disk) is shown, not fatal: the rest still tells.
  let ledgerProblem: LedgerUnavailableError | undefined;
  const onLedgerError = (e: LedgerUnavailableError) => (ledgerProblem ??= e);
  const [daemon, agents] = await Promise.all([daemonStatus(layout), listAgents(town, { onLedgerError })]);
  const rigs = readRigs(layout).rigs;
  let ledger = { work: [] as ReturnType<typeof readWork>['work'], unread: {} as Record<string, number>, queue: [] as ReturnType<typeof readWork>['queue'] };
  if (existsSync(layout.ledgerFile)) {
    try {
      ledger = withLedger(layout, readWork);
    } catch (e) {
      if (!(e instanceof LedgerUnavailableError)) throw e;
      onLedgerError(e);
    }
  }
  const ledgerState = ledgerProblem ? { ok: false, problem: ledgerProblem.problem, message: ledgerProblem.line } : { ok: true };
  const degraded = daemon.running ? daemon.degraded : undefined;
  const work = ledger.work.map((b) => ({ id: b.id, title: b.title, status: isQueued(b) ? 'queued' : b.status, assignee: b.assignee }));
  // Agents waiting for a person (a blocking screen, or their own report): what the daemon mails
  // the mayor as NEEDS_HUMAN and never restarts or nudges.
  const needsHuman = agents
    .filter((a) => a.activity.state === 'blocked')
    .map((a) => ({ agent: a.identity, reason: a.activity.reason ?? 'unknown', screen: a.activity.screen ?? null, since: a.activity.since, answer: `gt attach ${a.identity}` }));
  if (ctx.json) {
    printJson({ town, daemon, ledger: ledgerState, rigs, agents, needs_human: needsHuman, work, queue: ledger.queue, unread_mail: ledger.unread });
    return 0;
  }
  ctx.out(`town ${oneLine(town)}`);
  ctx.out(daemon.running ? `daemon running (pid ${daemon.pid}, ${daemon.tick_count} ticks)${degraded ? ', DEGRADED' : ''}` : 'daemon not running');
  if (degraded) ctx.out(`  degraded since ${degraded.since}: supervising from the ledger as read at ${degraded.last_good ?? 'never'}; no mail or ledger writes`);
  if (ledgerProblem) ctx.out(`ledger: ${ledgerProblem.problem}: ${oneLine(ledgerProblem.line)}`);
  const rigRows = Object.entries(rigs).map(([n, r]) => [n, r.prefix, r.state ?? 'active', r.git_url]);
  ctx.out(`rigs: ${rigRows.length || 'none'}`);
  for (const l of table(rigRows)) ctx.out(`  ${l}`);
  ctx.out(`agents: ${agents.length || 'none'}`);
  const now = Date.now();
  for (const l of table(agents.map((a) => [a.identity, a.session, a.liveness, activityText(a.activity, now), a.hook ?? '-']))) ctx.out(`  ${l}`);
  if (needsHuman.length) {
    ctx.out(`needs a person: ${needsHuman.length}`);
    for (const n of needsHuman) ctx.out(`  NEEDS_HUMAN: ${n.agent}: ${n.reason}${n.screen ? ` (${n.screen})` : ''}; answer it: ${n.answer}`);
  }
  ctx.out(`open work: ${work.length || 'none'}`);
  for (const l of table(work.map((w) => [w.id, w.status, w.assignee ?? '-', w.title]))) ctx.out(`  ${l}`);
  if (ledger.queue.length) ctx.out(`queued: ${ledger.queue.length} (gt sling --list)`);
  const unread = Object.entries(ledger.unread);
  ctx.out(`unread mail: ${unread.length ? oneLine(unread.map(([a, n]) => `${a} ${n}`).join(', ')) : 'none'}`);
  return 0;
}

function readWork(l: Ledger) {
  return {
    work: l.listBeads({ type: 'task', status: ['open', 'hooked', 'in_progress'] }),
    unread: l.unreadCounts(),
    queue: queuedBeads(l),
  };
}

import type { DecideContext } from './context.js';
import { body, formatDuration, iso, supervisorOf } from './messages.js';
import type { ObservedAgent } from './observation.js';
import { recordProgress, type Stall } from './restart-tracker.js';

/**
 * Restarts without progress (issue 9, 5). An agent stuck before it ever works (at a screen only a
 * person can answer, or hung while loading) is restarted by the staleness rules every 15-20
 * minutes; those runs are long, so the crash loop never fires. The restart tracker counts the runs
 * in a row that ended before the agent reported working or idle; after
 * restart.max_without_progress restarts brought nothing, restarts stop (the agent is `stalled`, and
 * a stuck session is left as it is for a person to look at) and one NO_PROGRESS alert goes to its
 * supervisor with the last lines of its screen. Progress or `gt daemon clear-backoff` ends it.
 */

/** Slack for the report's clock against the run's start (tmux and /proc granularity). */
const CLOCK_SLACK_MS = 2_000;

/** The agent reported working or idle during its current run: its restarts brought progress. */
export function noteProgress(ctx: DecideContext, a: ObservedAgent): void {
  const id = a.spec.identity;
  const t = ctx.tracker(id);
  const hb = a.heartbeat;
  if (!t.running || !hb || (hb.state !== 'working' && hb.state !== 'idle')) return;
  if (hb.timestamp + CLOCK_SLACK_MS < t.running.since) return;
  const next = recordProgress(t);
  if (next !== t) ctx.setTracker(id, next);
}

/** Restarts are stopped for want of progress: say so once per stall (mail, log, the person's notifier via the mail). */
export function noProgressAlert(ctx: DecideContext, a: ObservedAgent, stall: Stall): void {
  const id = a.spec.identity;
  const cfg = ctx.cfg.restart;
  const to = supervisorOf(a.spec);
  const what = `${stall.runs} runs in a row ended without the agent reaching working or idle (restart.max_without_progress is ${cfg.max_without_progress})`;
  const exit = ctx.tracker(id).lastExit;
  // Infinity: one alert however long the stall lasts; a person (or progress) ends it.
  const mailed = ctx.once(
    { recipient: to, kind: 'no-progress', agent: id },
    `since:${stall.since}`,
    (slot) => ({
      type: 'mail',
      to,
      subject: `NO_PROGRESS: ${id} restarted without progress; restarts stopped`,
      body: body({
        agent: id,
        hook: a.bead?.hook_bead,
        session: a.spec.session,
        since: iso(stall.since),
        runs: stall.runs,
        last_exit: exit ? `after ${formatDuration(exit.ranMs)}${exit.cause ? ` (${exit.cause})` : ''}` : undefined,
        retry: `gt daemon clear-backoff ${id} (after a look: gt attach ${id})`,
        time: iso(ctx.now),
      }),
      slot,
      // act appends the last lines of the agent's screen (left as it was, when it still runs).
      screenOf: a.spec.session,
    }),
    Infinity,
  );
  ctx.logOnce('error', 'no-progress', id, `since:${stall.since}`, `NO_PROGRESS: ${id}: ${what}; not restarting it until gt daemon clear-backoff`, Infinity);
  const t = ctx.tracker(id);
  if (mailed && t.stalled) ctx.setTracker(id, { ...t, crashes: [...t.crashes], stalled: { ...t.stalled, alerted: true } });
}

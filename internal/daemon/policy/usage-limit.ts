import type { DecideContext } from './context.js';
import { body, iso, MAYOR } from './messages.js';
import type { ObservedAgent } from './observation.js';
import { recordStop } from './restart-tracker.js';

/**
 * Usage limit (issue 9, 5). An agent whose account hit its usage limit can do nothing until the
 * limit resets, and a restart or a nudge would only hit it again: it is not restarted, not nudged,
 * and a death while limited is not a crash. The daemon waits until the reset time its screen
 * showed (else agents_health.usage_limit_pause from when the limit was reported), then nudges it
 * once to resume. One USAGE_LIMIT mail to the mayor per episode; decide wakes at the reset.
 *
 * Where the limit is known from: a recognised usage-limit screen (with its reset time when it
 * shows one), or the agent's own report (its CLI's hook: `blocked` with reason `usage-limit`,
 * written when a turn ended on a 429 rate or usage limit).
 */

export interface UsageLimit {
  /** When the episode began: the report's time (the turn that hit the limit), else the run's start. */
  since: number;
  /** When the limit resets, when the screen said. */
  resetAt?: number;
  /** When the daemon resumes it: the reset, or since + usage_limit_pause. */
  resumeAt: number;
  /** What the agent showed (the screen's name for it, or the API error's message). */
  shown?: string;
}

export function usageLimitOf(ctx: DecideContext, a: ObservedAgent): UsageLimit | undefined {
  const hb = a.heartbeat;
  const reported = hb?.state === 'blocked' && hb.reason === 'usage-limit';
  const screen = a.screen?.kind === 'usage-limit' ? a.screen : undefined;
  if (!reported && !screen) return undefined;
  const since = reported ? hb!.timestamp : (hb?.timestamp ?? a.run?.since ?? ctx.now);
  const resetAt = screen?.resetAt;
  const shown = screen?.reason ?? (reported ? hb!.message : undefined);
  return { since, ...(resetAt !== undefined ? { resetAt } : {}), resumeAt: resetAt ?? since + ctx.cfg.agents_health.usage_limit_pause, ...(shown ? { shown } : {}) };
}

/**
 * A death seen while the agent was at its usage limit: the run ends without counting (not a
 * crash, not towards the crash loop). Returns whether it handled the death.
 */
export function usageLimitDeath(ctx: DecideContext, a: ObservedAgent): boolean {
  if (!usageLimitOf(ctx, a)) return false;
  const id = a.spec.identity;
  ctx.setTracker(id, recordStop(ctx.tracker(id), ctx.now, 'died at its usage limit'));
  ctx.push({ type: 'log', level: 'info', message: `${id} ended while at its usage limit: not counted as a crash` });
  return true;
}

/**
 * The policy for a managed agent (alive or dead). Returns true when the agent is at a usage limit
 * and this rule decided for it: nothing else may restart or nudge it.
 */
export function decideUsageLimit(ctx: DecideContext, a: ObservedAgent): boolean {
  const limit = usageLimitOf(ctx, a);
  if (!limit) return false;
  const id = a.spec.identity;
  const alive = a.liveness === 'alive';
  // A dead agent's last word was the limit: started again once it resets, not before.
  if (!alive && ctx.now >= limit.resumeAt) return false;
  const when = limit.resetAt !== undefined ? `the reset its screen shows (${iso(limit.resetAt)})` : `${iso(limit.resumeAt)} (agents_health.usage_limit_pause after it was reported)`;
  ctx.mailOnce(
    MAYOR,
    'usage-limit',
    id,
    'limited',
    `USAGE_LIMIT: ${id} reached its usage limit; resuming it at ${iso(limit.resumeAt)}`,
    body({
      agent: id,
      hook: a.bead?.hook_bead,
      session: a.spec.session,
      shown: limit.shown,
      since: iso(limit.since),
      reset: limit.resetAt !== undefined ? iso(limit.resetAt) : 'not shown',
      resume: `${alive ? 'nudged once' : 'started'} at ${when}; not restarted or nudged before, not counted as a crash`,
      time: iso(ctx.now),
    }),
  );
  if (ctx.now < limit.resumeAt) {
    ctx.deadline(limit.resumeAt, `${id} usage limit resets`);
    return true;
  }
  // Reset: wake it once for this episode (a new limit is a new episode, with a new report).
  ctx.once({ recipient: id, kind: 'usage-limit-resume', agent: id }, `since:${limit.since}`, () => ({
    type: 'nudge',
    agent: a.spec,
    observed: a.liveness,
    text: 'Your usage limit has reset. Continue your work where you left off.',
  }), Infinity);
  return true;
}

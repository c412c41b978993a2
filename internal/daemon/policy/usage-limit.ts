import type { DecideContext } from './context.js';
import { body, iso, MAYOR } from './messages.js';
import type { ObservedAgent } from './observation.js';
import { recordStop, type LimitEpisode } from './restart-tracker.js';

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
 *
 * The episode is kept in the restart tracker: its resume time is fixed when first seen (a clock
 * time on a screen read after it passed would name the next day's), and "nudged once" survives a
 * daemon restart. It ends when the agent is seen alive and not limited, or it hits the limit
 * again after the nudge (a new report: a new episode).
 */

export interface UsageLimitSeen {
  /** The report's time (the turn that hit the limit), else the last report or the run's start. */
  since: number;
  /** When the limit resets, when the screen said. */
  resetAt?: number;
  /** What the agent showed (the screen's name for it, or the API error's message). */
  shown?: string;
}

export function usageLimitOf(ctx: DecideContext, a: ObservedAgent): UsageLimitSeen | undefined {
  const hb = a.heartbeat;
  const reported = hb?.state === 'blocked' && hb.reason === 'usage-limit';
  const screen = a.blocked?.source === 'screen' && a.blocked.reason === 'usage-limit' ? a.blocked : undefined;
  if (!reported && !screen) return undefined;
  const since = hb?.timestamp ?? a.run?.since ?? ctx.now;
  const shown = screen?.screen ?? (reported ? hb!.message : undefined);
  return { since, ...(screen?.resetAt !== undefined ? { resetAt: screen.resetAt } : {}), ...(shown ? { shown } : {}) };
}

/** The episode this sighting belongs to: the recorded one, or a new one. */
function episodeOf(ctx: DecideContext, seen: UsageLimitSeen, rec: LimitEpisode | null): LimitEpisode {
  const fresh = (): LimitEpisode => ({
    since: seen.since,
    resumeAt: seen.resetAt ?? seen.since + ctx.cfg.agents_health.usage_limit_pause,
    shown: seen.resetAt !== undefined,
    nudged: null,
  });
  if (!rec) return fresh();
  // Woken, and it reports the limit again since: a new episode.
  if (rec.nudged !== null && seen.since > rec.nudged) return fresh();
  // A reset shown on the screen beats the configured pause; a first shown reset is kept.
  if (!rec.shown && seen.resetAt !== undefined && rec.nudged === null) return { ...rec, resumeAt: seen.resetAt, shown: true };
  return rec;
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
  const id = a.spec.identity;
  const t = ctx.tracker(id);
  const alive = a.liveness === 'alive';
  const seen = usageLimitOf(ctx, a);
  if (!seen) {
    // Seen alive and not limited: the episode is over.
    if (t.usageLimit && alive) ctx.setTracker(id, { ...t, crashes: [...t.crashes], usageLimit: null });
    return false;
  }
  const ep = episodeOf(ctx, seen, t.usageLimit);
  // A dead agent's last word was the limit: started again once it resets, not before.
  if (!alive && ctx.now >= ep.resumeAt) {
    ctx.setTracker(id, { ...t, crashes: [...t.crashes], usageLimit: null });
    return false;
  }
  const when = ep.shown ? `the reset its screen shows (${iso(ep.resumeAt)})` : `${iso(ep.resumeAt)} (agents_health.usage_limit_pause after it was reported)`;
  const subject = `USAGE_LIMIT: ${id} reached its usage limit; resuming it at ${iso(ep.resumeAt)}`;
  const text = body({
    agent: id,
    hook: a.bead?.hook_bead,
    session: a.spec.session,
    shown: seen.shown,
    since: iso(ep.since),
    reset: ep.shown ? iso(ep.resumeAt) : 'not shown',
    resume: `${alive ? 'nudged once' : 'started'} at ${when}; not restarted or nudged before, not counted as a crash`,
    time: iso(ctx.now),
  });
  // Infinity: one mail per episode however long the limit lasts.
  ctx.once({ recipient: MAYOR, kind: 'usage-limit', agent: id }, `since:${ep.since}`, (slot) => ({ type: 'mail', to: MAYOR, subject, body: text, slot }), Infinity);
  let next = ep;
  if (ctx.now < ep.resumeAt) {
    ctx.deadline(ep.resumeAt, `${id} usage limit resets`);
  } else if (ep.nudged === null) {
    // Reset: wake it, once for this episode.
    ctx.push({ type: 'nudge', agent: a.spec, observed: a.liveness, text: 'Your usage limit has reset. Continue your work where you left off.' });
    next = { ...ep, nudged: ctx.now };
  }
  if (next !== t.usageLimit) ctx.setTracker(id, { ...t, crashes: [...t.crashes], usageLimit: next });
  return true;
}

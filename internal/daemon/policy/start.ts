import type { DecideContext } from './context.js';
import { body, formatDuration, iso, shortPolecat, supervisorOf, witnessOf } from './messages.js';
import type { ObservedAgent } from './observation.js';
import { canStart, recordStart } from './restart-tracker.js';

/**
 * Every (re)start decide emits goes through tryStart, so backoff, the crash-loop breaker, the
 * missing-workdir check and the failure mail apply the same way whichever policy asked for it.
 */

export interface TryStartOptions {
  /** The agent asked for it (lifecycle request): bypass backoff and the crash-loop count. */
  voluntary?: boolean;
}

export function tryStart(ctx: DecideContext, a: ObservedAgent, kind: 'start' | 'restart', reason: string, opts: TryStartOptions = {}): void {
  const id = a.spec.identity;
  const t = ctx.tracker(id);
  if (!a.workdirExists) {
    cannotRestart(ctx, a, 'no-workdir', `working directory ${a.spec.workdir} is missing`);
    return;
  }
  // A start act tried since our last start failed: report it (once per episode) and keep trying
  // under backoff; the crash-loop breaker ends the retries.
  if (t.lastError && t.lastError.at >= t.lastStart) {
    if (a.spec.role === 'polecat') crashedPolecat(ctx, a, 'start-failed', t.lastError.message);
    else ctx.logOnce('error', 'start-failed', id, 'start-failed', `${id}: start failed: ${t.lastError.message}; retrying with backoff`);
  }
  if (!opts.voluntary) {
    const v = canStart(t, ctx.now, ctx.cfg.restart);
    if (!v.ok && v.reason === 'crash-loop') {
      crashLoop(ctx, a, v.since);
      if (a.hookOpen) orphaned(ctx, a, `crash loop since ${iso(v.since)}; restarts stopped`);
      return;
    }
    if (!v.ok) {
      ctx.logOnce('debug', 'backoff', id, `until:${v.until}`, `${id}: ${reason}; restart backoff until ${iso(v.until)}`);
      return;
    }
  }
  ctx.push({ type: kind, agent: a.spec, reason, observed: a.liveness });
  ctx.setTracker(id, recordStart(t, ctx.now, ctx.cfg.restart, { voluntary: opts.voluntary === true }));
}

/** A restart that cannot work (its workdir is gone): say so once instead of retrying blindly. */
function cannotRestart(ctx: DecideContext, a: ObservedAgent, condition: string, error: string): void {
  if (a.spec.role === 'polecat') crashedPolecat(ctx, a, condition, error);
  else ctx.logOnce('error', 'cannot-start', a.spec.identity, condition, `${a.spec.identity}: cannot start: ${error}`);
  if (a.hookOpen) orphaned(ctx, a, error);
}

function crashedPolecat(ctx: DecideContext, a: ObservedAgent, condition: string, error: string): void {
  const subject = `CRASHED_POLECAT: ${shortPolecat(a.spec)} restart failed`;
  ctx.mailOnce(
    witnessOf(a.spec),
    'crashed-polecat',
    a.spec.identity,
    condition,
    subject,
    body({ agent: a.spec.identity, hook: a.bead?.hook_bead, session: a.spec.session, error, time: iso(ctx.now) }),
  );
}

function orphaned(ctx: DecideContext, a: ObservedAgent, why: string): void {
  const id = a.spec.identity;
  ctx.mailOnce(
    supervisorOf(a.spec),
    'orphaned-work',
    id,
    'orphaned',
    `ORPHANED_WORK: ${id} is dead with hooked work and cannot be restarted`,
    body({ agent: id, hook: a.bead?.hook_bead, session: a.spec.session, error: why, time: iso(ctx.now) }),
  );
}

function crashLoop(ctx: DecideContext, a: ObservedAgent, since: number): void {
  const id = a.spec.identity;
  const t = ctx.tracker(id);
  const cfg = ctx.cfg.restart;
  const condition = `since:${since}`;
  const what = `${cfg.crash_loop_count} restarts within ${formatDuration(cfg.crash_loop_window)}`;
  const mailed = ctx.mailOnce(
    supervisorOf(a.spec),
    'crash-loop',
    id,
    condition,
    `CRASH_LOOP: ${id} restarted ${what}; restarts stopped`,
    body({
      agent: id,
      hook: a.bead?.hook_bead,
      session: a.spec.session,
      since: iso(since),
      restarts: t.restarts.map(iso).join(', '),
      error: t.lastError?.message,
      retry: `after ${formatDuration(cfg.stable_after)} without a restart, or now with 'gt daemon clear-backoff ${id}'`,
      time: iso(ctx.now),
    }),
  );
  ctx.logOnce('error', 'crash-loop', id, condition, `CRASH_LOOP: ${id}: ${what}; not restarting it until ${iso(since + cfg.stable_after)} or gt daemon clear-backoff`);
  if (mailed && t.crashLoop) ctx.setTracker(id, { ...t, restarts: [...t.restarts], crashLoop: { ...t.crashLoop, alerted: true } });
}

import type { DecideContext } from './context.js';
import { body, formatDuration, iso, shortPolecat, supervisorOf, witnessOf } from './messages.js';
import type { ObservedAgent } from './observation.js';
import { noProgressAlert } from './no-progress.js';
import { canStart, recordAttempt, recordDeath } from './restart-tracker.js';

/**
 * Every (re)start decide emits goes through tryStart, so backoff, the crash-loop breaker, a
 * deliberate stop's hold, the missing-workdir check and the failure mail apply the same way
 * whichever policy asked for it. A start counts for nothing by itself: only deaths do.
 */

export interface TryStartOptions {
  /** The agent asked for it (lifecycle request): bypass backoff, crash loop and hold. */
  voluntary?: boolean;
}

/** Returns whether it emitted the start. */
export function tryStart(ctx: DecideContext, a: ObservedAgent, kind: 'start' | 'restart', reason: string, opts: TryStartOptions = {}): boolean {
  const id = a.spec.identity;
  const t = ctx.tracker(id);
  if (!a.workdirExists) {
    cannotRestart(ctx, a, 'no-workdir', `working directory ${a.spec.workdir} is missing`);
    return false;
  }
  // A start act tried since our last start failed: report it (once per episode) and keep trying
  // under backoff; the crash-loop breaker ends the retries.
  if (t.lastError && t.lastError.at >= t.lastStart) {
    if (a.spec.role === 'polecat') crashedPolecat(ctx, a, 'start-failed', t.lastError.message);
    else ctx.logOnce('error', 'start-failed', id, 'start-failed', `${id}: start failed: ${t.lastError.message}; retrying with backoff`);
  }
  if (!opts.voluntary) {
    const v = canStart(t, ctx.now);
    if (!v.ok && v.reason === 'crash-loop') {
      crashLoop(ctx, a, v.since);
      if (a.hookOpen) orphaned(ctx, a, `crash loop since ${iso(v.since)}; restarts stopped`);
      return false;
    }
    if (!v.ok && v.reason === 'no-progress') {
      noProgressAlert(ctx, a, v.stall);
      return false;
    }
    if (!v.ok && v.reason === 'held') {
      // Once per hold (Infinity: however long it lasts); a person ends it, not the clock.
      ctx.logOnce('info', 'held', id, `at:${v.hold.at}`, `${id}: stopped on purpose (${v.hold.reason}) at ${iso(v.hold.at)}; not started again until gt up`, Infinity);
      return false;
    }
    if (!v.ok) {
      ctx.logOnce('debug', 'backoff', id, `until:${v.until}`, `${id}: ${reason}; restart backoff until ${iso(v.until)}`);
      ctx.deadline(v.until, `${id} backoff ends`);
      return false;
    }
  }
  ctx.push({ type: kind, agent: a.spec, reason, observed: a.liveness });
  ctx.setTracker(id, recordAttempt(t, ctx.now));
  return true;
}

/**
 * The daemon ends a run itself (heartbeat very stale, marked dead): a death by its hand, counted
 * by how long the run lasted like any other. Restarted when the rules allow it now; otherwise
 * killed, and started once they do (it is then a dead agent whose death is already counted) —
 * except when restarts stopped for want of progress: then the session is left for a person.
 */
export function restartSick(ctx: DecideContext, a: ObservedAgent, cause: string): void {
  const id = a.spec.identity;
  const t = ctx.tracker(id);
  // Restarts already stopped for want of progress: the stuck session stays as it is, for a person.
  if (t.stalled) {
    noProgressAlert(ctx, a, t.stalled);
    return;
  }
  const since = t.running?.since ?? a.run?.since;
  if (since !== undefined) ctx.setTracker(id, recordDeath(t, { at: ctx.now, ranMs: ctx.now - since, cause }, ctx.cfg.restart));
  if (tryStart(ctx, a, 'restart', cause)) return;
  if (ctx.tracker(id).stalled) return;
  ctx.push({ type: 'kill', agent: a.spec, reason: `${cause}; restart held back`, observed: a.liveness });
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
  const what = `${cfg.crash_loop_count} short runs (under ${formatDuration(cfg.min_uptime)}) within ${formatDuration(cfg.crash_loop_window)}`;
  const mailed = ctx.mailOnce(
    supervisorOf(a.spec),
    'crash-loop',
    id,
    condition,
    `CRASH_LOOP: ${id} died after ${what}; restarts stopped`,
    body({
      agent: id,
      hook: a.bead?.hook_bead,
      session: a.spec.session,
      since: iso(since),
      crashes: t.crashes.map(iso).join(', '),
      last_exit: t.lastExit ? `after ${formatDuration(t.lastExit.ranMs)}${t.lastExit.status !== undefined ? `, exit status ${t.lastExit.status}` : ''}${t.lastExit.signal !== undefined ? `, signal ${t.lastExit.signal}` : ''}` : undefined,
      error: t.lastError?.message,
      retry: `after ${formatDuration(cfg.stable_after)} without a crash, or now with 'gt daemon clear-backoff ${id}'`,
      time: iso(ctx.now),
    }),
  );
  ctx.logOnce('error', 'crash-loop', id, condition, `CRASH_LOOP: ${id}: ${what}; not restarting it until ${iso(since + cfg.stable_after)} or gt daemon clear-backoff`);
  if (mailed && t.crashLoop) ctx.setTracker(id, { ...t, crashes: [...t.crashes], crashLoop: { ...t.crashLoop, alerted: true } });
}

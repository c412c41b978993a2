import type { DecideContext } from './context.js';
import { formatDuration } from './messages.js';
import { recordAttempt } from './restart-tracker.js';

/**
 * Boot is the deacon's watchdog: a short-lived triage session started only when the deacon
 * looks unhealthy, at most once per deacon.boot_cooldown. It exits by itself when done, so its
 * starts count for nothing (boot is not managed: its exits are not deaths) and a dead boot
 * session is normal.
 */
export function bootTriage(ctx: DecideContext, why: string): void {
  const boot = ctx.obs.agents.find((a) => a.spec.role === 'boot');
  if (!boot || boot.liveness !== 'dead' || !boot.workdirExists) return;
  const t = ctx.tracker(boot.spec.identity);
  const cooled = t.lastStart + ctx.cfg.deacon.boot_cooldown;
  if (t.lastStart > 0 && ctx.now < cooled) {
    ctx.deadline(cooled, 'boot cooldown ends');
    return;
  }
  ctx.push({ type: 'start', agent: boot.spec, reason: `triage: ${why}`, observed: boot.liveness });
  ctx.setTracker(boot.spec.identity, recordAttempt(t, ctx.now));
  ctx.logOnce('info', 'boot', boot.spec.identity, `at:${ctx.now}`, `boot started for triage (${why}); next no sooner than ${formatDuration(ctx.cfg.deacon.boot_cooldown)}`);
}

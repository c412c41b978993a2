import type { DecideContext } from './context.js';
import { formatDuration } from './messages.js';
import type { LifecycleRequest, ObservedAgent } from './observation.js';
import { canonicalIdentity, lifecycleSenderAllowed, refusedLine } from './lifecycle-sender.js';
import { recordStop } from './restart-tracker.js';
import { tryStart } from './start.js';

/**
 * Lifecycle requests (`gt handoff`): claim before acting so a crash mid-action never repeats it,
 * delete stale ones without acting, log an unknown agent once without retrying, and refuse a
 * request whose recorded sender may not ask for it (lifecycle-sender.ts).
 */

export function isExpired(ctx: DecideContext, r: LifecycleRequest): boolean {
  return ctx.now - r.createdAt >= ctx.cfg.lifecycle.max_age;
}

/** Returns the identities acted on, which the per-agent policies then leave alone this tick. */
export function decideLifecycle(ctx: DecideContext): Set<string> {
  const handled = new Set<string>();
  const byIdentity = new Map<string, ObservedAgent>(ctx.obs.agents.map((a) => [a.spec.identity, a]));
  const requests = [...ctx.obs.lifecycle].sort((x, y) => x.createdAt - y.createdAt || x.id.localeCompare(y.id));
  for (const r of requests) {
    if (isExpired(ctx, r)) {
      ctx.push({ type: 'deleteLifecycle', id: r.id, from: r.from, reason: `older than ${formatDuration(ctx.cfg.lifecycle.max_age)}` });
      continue;
    }
    const identity = canonicalIdentity(r.from);
    const a = identity === undefined ? undefined : byIdentity.get(identity);
    if (!a) {
      ctx.logOnce('error', 'lifecycle-unknown', `lifecycle:${r.id}`, 'unknown', `lifecycle request ${r.id} from unknown agent ${JSON.stringify(r.from)} (${r.action}); ignored`);
      ctx.push({ type: 'claimLifecycle', id: r.id, from: r.from });
      continue;
    }
    // Only the agent, the deacon, the mayor or its rig's witness may ask: anything else is closed
    // unanswered (kept as a record) with one line naming who really sent it.
    if (!lifecycleSenderAllowed(r.sender, a.spec)) {
      ctx.push({ type: 'claimLifecycle', id: r.id, from: r.from, refused: refusedLine(r.id, r.action, a.spec.identity, r.sender, a.spec.rig) });
      continue;
    }
    // tmux could not be asked (or the session is still starting): leave the request for a tick
    // that can see the session, or for its expiry.
    if (a.liveness === 'unknown') {
      ctx.deadline(r.createdAt + ctx.cfg.lifecycle.max_age, `lifecycle request ${r.id} expires`);
      continue;
    }
    ctx.push({ type: 'claimLifecycle', id: r.id, from: r.from });
    // Several requests from one agent in one tick: one action answers them all.
    if (handled.has(a.spec.identity)) continue;
    handled.add(a.spec.identity);
    const reason = `lifecycle ${r.action} requested by ${a.spec.identity}`;
    const t = ctx.tracker(a.spec.identity);
    // Asked for, so never a crash: the run ends as a deliberate stop, and a shutdown stays down
    // (held) until someone brings it up again (gt up).
    if (r.action === 'shutdown') {
      if (a.liveness !== 'dead') ctx.push({ type: 'kill', agent: a.spec, reason, observed: a.liveness });
      ctx.setTracker(a.spec.identity, recordStop(t, ctx.now, `lifecycle shutdown`, { hold: true }));
    } else {
      ctx.setTracker(a.spec.identity, recordStop(t, ctx.now, `lifecycle ${r.action}`));
      tryStart(ctx, a, a.liveness === 'dead' ? 'start' : 'restart', reason, { voluntary: true });
    }
  }
  return handled;
}

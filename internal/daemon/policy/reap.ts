import type { DecideContext } from './context.js';
import { body, formatDuration, iso } from './messages.js';
import type { ObservedPolecat, QueueObservation } from './observation.js';
import { recordStop } from './restart-tracker.js';

/**
 * The reap rule. A polecat with no open work on its hook is reaped (session ended, worktree
 * removed, branch deleted; its slot freed) when
 *   - it is done and its work is merged (or it had nothing to merge), at once (once it has ended
 *     the turn in which it ran gt done, when it reports working);
 *   - or it has been idle for polecats.idle_reap (a deadline until then).
 * Never when git says work would be lost (uncommitted changes, commits not on main) or its merge
 * failed: its witness gets one mail per episode instead. While its merge is still queued it waits
 * (the refinery wakes the daemon when it merges). Returns the identities reaped this tick, whose
 * slots the dispatch rule may hand out in the same tick.
 */

export const UNREAPED_SUBJECT = 'POLECAT_NOT_REAPED';

export function decideReaps(ctx: DecideContext, q: QueueObservation, inTurn: ReadonlySet<string> = new Set()): Set<string> {
  const reaped = new Set<string>();
  for (const p of q.polecats) {
    if (p.hookOpen || p.state === 'nuked' || p.work === null) continue;
    if (p.merge === 'queued') continue;
    const held = heldBecause(p);
    if (held) {
      ctx.mailOnce(
        `${p.rig}/witness`,
        'reap-held',
        p.identity,
        'unmerged',
        `${UNREAPED_SUBJECT}: ${p.identity} ${held}`,
        body({
          agent: p.identity,
          state: p.state,
          why: held,
          merge: p.merge ?? 'none',
          time: iso(ctx.now),
          fix: `merge or rebase polecat/${p.name} (gt mq list ${p.rig}), or throw the work away: gt polecat nuke ${p.rig}/${p.name} --force`,
        }),
      );
      continue;
    }
    if (p.state === 'done') {
      // Its turn goes on after gt done (the agent's closing words): reaped once it is at its prompt.
      if (inTurn.has(p.identity)) continue;
      reap(ctx, reaped, p, q.keepDone, p.merge === 'merged' ? 'done and merged' : 'done, nothing to merge');
      continue;
    }
    if (p.idleSince === null) continue;
    const at = p.idleSince + q.idleReapMs;
    if (ctx.now >= at) reap(ctx, reaped, p, q.keepDone, `idle with no hook for ${formatDuration(ctx.now - p.idleSince)}`);
    else ctx.deadline(at, `${p.identity} idle reap`);
  }
  return reaped;
}

/** Why reaping would lose work; undefined when nothing would be lost. */
function heldBecause(p: ObservedPolecat): string | undefined {
  if (p.merge === 'conflict' || p.merge === 'failed') return `merge ${p.merge}`;
  const w = p.work!;
  const parts: string[] = [];
  if (w.uncommitted) parts.push(`${w.uncommitted} uncommitted change${w.uncommitted > 1 ? 's' : ''}`);
  if (w.unmerged) parts.push(`${w.unmerged} commit${w.unmerged > 1 ? 's' : ''} not on main`);
  return parts.length ? `has unmerged work (${parts.join(', ')})` : undefined;
}

function reap(ctx: DecideContext, reaped: Set<string>, p: ObservedPolecat, keep: boolean, reason: string): void {
  reaped.add(p.identity);
  // Its run ends on purpose, now. Recorded here, not when its session is next seen gone: by then
  // gt sling may have given the free name to the next bead (agent bead hooked, spawning), and a
  // run still on record would be counted a short-run death of the new polecat (backoff, then
  // CRASH_LOOP). A reap that act refuses leaves it alive; its run is recorded again next tick.
  ctx.setTracker(p.identity, recordStop(ctx.tracker(p.identity), ctx.now, `reaped (${reason})`));
  ctx.push({ type: 'reap', polecat: { identity: p.identity, rig: p.rig, name: p.name }, reason, keep });
}

import { NOTIFY_KINDS } from '../../notify/event.js';
import type { DecideContext } from './context.js';
import { record, slotKey, type SlotId } from './notify.js';
import type { QueueObservation } from './observation.js';

/**
 * The dispatch rule: queued beads go to new polecats in dispatch order (priority, then age) while
 * their rig and the town have free slots. A slot is held by every polecat not yet reaped; those
 * the reap rule reaps in this same tick count as free already (act reaps before it dispatches,
 * and re-checks the cap in the ledger), so a reap frees its slot at once, not an interval later.
 *
 * "All queued work done": the episode starts when the queue is seen non-empty (a slot remembers
 * it across ticks and restarts) and ends, with one QUEUE_DRAINED for the person, when the queue is
 * empty and no polecat has work on its hook.
 */

const BACKLOG: SlotId = { recipient: 'person', kind: 'queue-backlog', agent: '' };

export function decideDispatch(ctx: DecideContext, q: QueueObservation, reaped: ReadonlySet<string>): void {
  const load: Record<string, number> = {};
  let town = 0;
  for (const p of q.polecats) {
    if (p.state === 'nuked' || reaped.has(p.identity)) continue;
    load[p.rig] = (load[p.rig] ?? 0) + 1;
    town++;
  }
  let dispatched = 0;
  const order = [...q.queued].sort((a, b) => a.priority - b.priority || a.queuedAt - b.queuedAt || a.id.localeCompare(b.id));
  for (const b of order) {
    const rig = q.rigs[b.rig];
    if (!rig?.active) continue;
    if ((load[b.rig] ?? 0) >= rig.max || town >= q.townMax) continue;
    load[b.rig] = (load[b.rig] ?? 0) + 1;
    town++;
    dispatched++;
    ctx.push({ type: 'dispatch', bead: b.id, rig: b.rig, reason: `slot free (${load[b.rig]}/${rig.max} in ${b.rig})` });
  }

  const key = slotKey(BACKLOG);
  const episode = ctx.notify.slots[key];
  const inFlight = dispatched > 0 || q.polecats.some((p) => p.hookOpen && !reaped.has(p.identity));
  if (q.queued.length > 0) {
    ctx.active.add(key);
    if (!episode) ctx.notify = record(ctx.notify, BACKLOG, 'queued', ctx.now);
  } else if (episode) {
    if (inFlight) {
      ctx.active.add(key);
      return;
    }
    ctx.clear(BACKLOG);
    ctx.push({
      type: 'person',
      kind: NOTIFY_KINDS.queueDrained,
      key: `queue@${new Date(episode.at).toISOString()}`,
      title: 'all queued work done',
      severity: 'info',
      message: `The dispatch queue is empty and no polecat has work on its hook (queued since ${new Date(episode.at).toISOString()}).`,
    });
  }
}

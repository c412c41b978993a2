import type { Settings } from '../config/settings.js';
import { rigMaxPolecats } from '../config/settings.js';
import type { Bead, Ledger } from '../ledger/index.js';

/**
 * The dispatch queue lives in the ledger, on the work beads themselves: a bead slung beyond its
 * rig's cap (or the town's) stays `open`, gets the label `queued` and `fields.queued = {rig, at}`.
 * Dispatch order is priority (0 first), then the time it was queued, then its id. Being in the
 * ledger, the queue survives a daemon restart, and queueing is one transaction with the capacity
 * check, so concurrent slings never exceed a cap between them.
 */

export const QUEUED_LABEL = 'queued';

export interface QueuedBead {
  id: string;
  rig: string;
  title: string;
  priority: number;
  /** When it was queued (ISO). */
  queued_at: string;
}

interface QueuedField {
  rig: string;
  at: string;
}

function queuedField(b: Bead): QueuedField | undefined {
  const q = b.fields.queued as Partial<QueuedField> | null | undefined;
  if (!q || typeof q !== 'object' || typeof q.rig !== 'string' || typeof q.at !== 'string') return undefined;
  return { rig: q.rig, at: q.at };
}

export function isQueued(b: Bead): boolean {
  return b.status === 'open' && b.labels.includes(QUEUED_LABEL) && queuedField(b) !== undefined;
}

/** Dispatch order: priority (0 highest), then queued time, then id. */
export function byDispatchOrder(a: QueuedBead, b: QueuedBead): number {
  return a.priority - b.priority || a.queued_at.localeCompare(b.queued_at) || a.id.localeCompare(b.id);
}

/** The queue in dispatch order: one rig's or the town's. */
export function queuedBeads(l: Ledger, rig?: string): QueuedBead[] {
  const out: QueuedBead[] = [];
  for (const b of l.listBeads({ type: 'task', status: 'open' })) {
    if (!b.labels.includes(QUEUED_LABEL)) continue;
    const q = queuedField(b);
    if (!q || (rig !== undefined && q.rig !== rig)) continue;
    out.push({ id: b.id, rig: q.rig, title: b.title, priority: b.priority, queued_at: q.at });
  }
  return out.sort(byDispatchOrder);
}

export function markQueued(l: Ledger, bead: Bead, rig: string, at: string): void {
  l.updateBead(bead.id, { labels: [...bead.labels.filter((x) => x !== QUEUED_LABEL), QUEUED_LABEL], fields: { queued: { rig, at } } });
}

export function unmarkQueued(l: Ledger, bead: Bead): void {
  if (!bead.labels.includes(QUEUED_LABEL) && bead.fields.queued === undefined) return;
  l.updateBead(bead.id, { labels: bead.labels.filter((x) => x !== QUEUED_LABEL), fields: { queued: null } });
}

/** Polecats holding a slot: every polecat agent bead not yet reaped (nuked), per rig and town-wide. */
export interface PolecatLoad {
  town: number;
  rigs: Record<string, number>;
}

export function polecatLoad(l: Ledger): PolecatLoad {
  const load: PolecatLoad = { town: 0, rigs: {} };
  for (const a of l.listAgentBeads()) {
    if (a.role !== 'polecat' || a.agent_state === 'nuked' || !a.rig) continue;
    load.town++;
    load.rigs[a.rig] = (load.rigs[a.rig] ?? 0) + 1;
  }
  return load;
}

/** Is there a slot for one more polecat in `rig`? (pure: the same rule for gt sling and the daemon) */
export function hasSlot(load: PolecatLoad, settings: Settings, rig: string): boolean {
  return (load.rigs[rig] ?? 0) < rigMaxPolecats(settings, rig) && load.town < settings.polecats.max;
}

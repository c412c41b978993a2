import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { GtError } from '../errors.js';
import { lockExclusive, type HeldLock } from '../fsx/flock.js';
import { withLedger, agentBeadId } from '../ledger/index.js';
import { parseAddress } from '../ledger/address.js';
import { loadLaunchContext } from '../session/context.js';
import type { LaunchContext } from '../session/launch.js';
import { agentSpec, type AgentSpec } from '../session/resolve.js';
import { townLayout, type TownLayout } from '../town/layout.js';
import { requireRig } from '../town/rigs.js';
import { rigMaxPolecats } from '../config/settings.js';
import { hasSlot, isQueued, markQueued, polecatLoad, queuedBeads, unmarkQueued } from './dispatch-queue.js';
import { pickPolecatName } from './polecat-names.js';
import { createPolecatWorktree, removePolecatWorktree } from './worktree.js';

export interface Slung {
  bead: string;
  rig: string;
  polecat: string;
  identity: string;
  session: string;
  worktree: string;
  branch: string;
}

/**
 * How a sling treats the caps (rigs.<rig>.max_polecats, polecats.max):
 *   queue     (gt sling) beyond a cap, or behind beads already queued for the rig, the bead is queued
 *   now       (gt sling --now) start it anyway, over the cap on purpose
 *   dispatch  (the daemon) start a queued bead if a slot is free, else leave it queued
 */
export type SlingMode = 'queue' | 'now' | 'dispatch';

/** The bead waits in the dispatch queue (rig/dispatch-queue.ts): no polecat, no worktree yet. */
export interface QueuedSling {
  queued: true;
  bead: string;
  rig: string;
  /** 1-based place in the rig's queue, and the rig's queue length. */
  position: number;
  depth: number;
  /** The rig's polecats holding a slot, and its cap. */
  load: number;
  max: number;
}

export interface PreparedSling {
  queued?: false;
  /** Started beyond a cap (gt sling --now): said in the output. */
  overCap: boolean;
  slung: Slung;
  /** The polecat to start (through the daemon's one start path: daemon/sling.ts). */
  spec: AgentSpec;
  launch: LaunchContext;
}

/**
 * The rig's sling lock: held while a polecat name is chosen and its worktree made (gt sling, the
 * daemon's dispatch), and while a reap removes a polecat's worktree and branch and frees its name
 * (rig/reap.ts). So a sling never picks a name whose reap is half done (worktree gone, branch not
 * yet), and git never runs two worktree changes of one clone at once.
 */
export async function holdSlingLock(layout: TownLayout, rig: string): Promise<HeldLock> {
  mkdirSync(layout.polecatsDir(rig), { recursive: true });
  const lock = await lockExclusive(join(layout.polecatsDir(rig), '.sling.lock'), 120_000);
  if (!lock) throw new GtError('LOCK_HELD', `rig ${rig}: the sling lock (${join(layout.polecatsDir(rig), '.sling.lock')}) was held for 2 minutes`, { hint: 'try again' });
  return lock;
}

/**
 * Hand a work bead to a new polecat of `rig`, up to its start: pick a free name, hook the bead
 * (compare-and-set: of many concurrent slings of one bead exactly one wins) with the polecat
 * `spawning`, and create its worktree on `polecat/<name>`. Name choice, hook and worktree happen
 * under the rig's sling lock so two slings of different beads never pick the same polecat.
 */
export async function prepareSling(town: string, beadId: string, rig: string, mode: SlingMode = 'queue'): Promise<PreparedSling | QueuedSling> {
  const layout = townLayout(town);
  const ctx = loadLaunchContext(town);
  const entry = requireRig(ctx.rigs, rig);
  if ((entry.state ?? 'active') !== 'active') {
    throw new GtError('CONFLICT', `rig ${rig} is ${entry.state}: no agents start there`, { hint: `gt rig un${entry.state === 'parked' ? 'park' : 'dock'} ${rig}` });
  }
  const lock = await holdSlingLock(layout, rig);
  let name: string;
  let agentId: string;
  let overCap = false;
  let worktree: { path: string; branch: string };
  try {
    // Check, queue or hook: one write transaction, so concurrent slings (any rig) never pass a cap.
    const hooked = withLedger(layout, (l) => l.write(() => {
      const bead = l.getBead(beadId);
      if (!bead) throw new GtError('NOT_FOUND', `no bead ${beadId}`, { hint: 'gt bead list' });
      if (bead.type !== 'task') throw new GtError('INVALID_INPUT', `${beadId} is a ${bead.type} bead; only work (task) beads can be slung`);
      if (bead.status !== 'open') {
        throw new GtError('CONFLICT', `bead ${beadId} is already ${bead.status}${bead.assignee ? ` (by ${bead.assignee})` : ''}`, { hint: 'sling another bead' });
      }
      const wasQueued = isQueued(bead);
      if (mode === 'queue' && wasQueued) {
        throw new GtError('CONFLICT', `bead ${beadId} is already queued for rig ${(bead.fields.queued as { rig: string }).rig}`, { hint: 'gt sling --list; gt sling --now to start it over the cap' });
      }
      if (mode === 'dispatch' && !wasQueued) throw new GtError('CONFLICT', `bead ${beadId} is not queued`);
      const load = polecatLoad(l);
      const free = hasSlot(load, ctx.settings, rig);
      const ahead = mode === 'queue' ? queuedBeads(l, rig).length : 0;
      if (mode !== 'now' && (!free || ahead > 0)) {
        if (!wasQueued) markQueued(l, bead, rig, new Date().toISOString());
        const q = queuedBeads(l, rig);
        return { kind: 'queued' as const, queued: { queued: true as const, bead: beadId, rig, position: q.findIndex((x) => x.id === beadId) + 1, depth: q.length, load: load.rigs[rig] ?? 0, max: rigMaxPolecats(ctx.settings, rig) } };
      }
      overCap = !free;
      if (wasQueued) unmarkQueued(l, bead);
      const n = pickPolecatName(l.listAgentBeads({ rig }), (x) => layout.polecatWorktree(rig, x));
      const spec = agentSpec({ role: 'polecat', rig, name: n }, ctx.rigs);
      const r = l.trySetHook({ address: spec.identity, prefix: entry.prefix, session: spec.session }, beadId);
      if (!r.won) throw new GtError('CONFLICT', `bead ${beadId} is already hooked${r.holder ? ` by ${r.holder}` : ''}`, { hint: 'sling another bead' });
      return { kind: 'hooked' as const, name: n, agentId: r.agent.id };
    }));
    if (hooked.kind === 'queued') return hooked.queued;
    name = hooked.name;
    agentId = hooked.agentId;
    try {
      worktree = await createPolecatWorktree(layout, rig, name);
    } catch (e) {
      // Without a worktree the polecat cannot work: give the bead back so it can be slung again.
      withLedger(layout, (l) =>
        l.write(() => {
          l.setHook(agentId, null);
          l.setAgentState(agentId, 'nuked');
          l.updateBead(beadId, { status: 'open', assignee: null });
        }),
      );
      await removePolecatWorktree(layout, rig, name).catch(() => undefined);
      throw e;
    }
  } finally {
    lock.release();
  }

  const spec = agentSpec({ role: 'polecat', rig, name }, ctx.rigs);
  return {
    overCap,
    slung: { bead: beadId, rig, polecat: name, identity: spec.identity, session: spec.session, worktree: worktree.path, branch: worktree.branch },
    spec,
    launch: ctx,
  };
}

/** The calling polecat's agent bead id, from its env identity. */
export function polecatAgentId(address: string, prefix: string): string {
  return agentBeadId(parseAddress(address), prefix);
}

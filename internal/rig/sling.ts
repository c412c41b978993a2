import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { GtError, messageOf } from '../errors.js';
import { lockExclusive } from '../fsx/flock.js';
import { withLedger, agentBeadId } from '../ledger/index.js';
import { parseAddress } from '../ledger/address.js';
import { loadLaunchContext } from '../session/context.js';
import { describeStartFailure, launchAgent } from '../session/launch.js';
import { agentSpec } from '../session/resolve.js';
import { townLayout } from '../town/layout.js';
import { requireRig } from '../town/rigs.js';
import { pickPolecatName } from './polecat-names.js';
import { createPolecatWorktree, removePolecatWorktree } from './worktree.js';

export interface SlingResult {
  bead: string;
  rig: string;
  polecat: string;
  identity: string;
  session: string;
  worktree: string;
  branch: string;
  started: boolean;
  /** Why the session did not start (the hook stays; the daemon restarts it). */
  error?: string;
  /** What gt settled in the CLI's own files for this start (e.g. trust for the worktree). */
  settled?: string[];
}

/**
 * Hand a work bead to a new polecat of `rig`: pick a free name, hook the bead (compare-and-set:
 * of many concurrent slings of one bead exactly one wins), create its worktree on
 * `polecat/<name>`, start its session with the rig's runtime, then mark it working.
 * Name choice, hook and worktree happen under the rig's sling lock so two slings of different
 * beads never pick the same polecat.
 */
export async function sling(town: string, beadId: string, rig: string, opts: { healthWindowMs?: number } = {}): Promise<SlingResult> {
  const layout = townLayout(town);
  const ctx = loadLaunchContext(town);
  const entry = requireRig(ctx.rigs, rig);
  if ((entry.state ?? 'active') !== 'active') {
    throw new GtError('CONFLICT', `rig ${rig} is ${entry.state}: no agents start there`, { hint: `gt rig un${entry.state === 'parked' ? 'park' : 'dock'} ${rig}` });
  }
  mkdirSync(layout.polecatsDir(rig), { recursive: true });
  const lock = await lockExclusive(join(layout.polecatsDir(rig), '.sling.lock'), 120_000);
  if (!lock) throw new GtError('LOCK_HELD', `rig ${rig}: another gt sling held the sling lock for 2 minutes`, { hint: 'try again' });
  let name: string;
  let agentId: string;
  let worktree: { path: string; branch: string };
  try {
    const hooked = withLedger(layout, (l) => {
      const bead = l.getBead(beadId);
      if (!bead) throw new GtError('NOT_FOUND', `no bead ${beadId}`, { hint: 'gt bead list' });
      if (bead.type !== 'task') throw new GtError('INVALID_INPUT', `${beadId} is a ${bead.type} bead; only work (task) beads can be slung`);
      if (bead.status !== 'open') {
        throw new GtError('CONFLICT', `bead ${beadId} is already ${bead.status}${bead.assignee ? ` (by ${bead.assignee})` : ''}`, { hint: 'sling another bead' });
      }
      const n = pickPolecatName(l.listAgentBeads({ rig }), (x) => layout.polecatWorktree(rig, x));
      const spec = agentSpec({ role: 'polecat', rig, name: n }, ctx.rigs);
      const r = l.trySetHook({ address: spec.identity, prefix: entry.prefix, session: spec.session }, beadId);
      if (!r.won) throw new GtError('CONFLICT', `bead ${beadId} is already hooked${r.holder ? ` by ${r.holder}` : ''}`, { hint: 'sling another bead' });
      return { name: n, agentId: r.agent.id };
    });
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
  const base = { bead: beadId, rig, polecat: name, identity: spec.identity, session: spec.session, worktree: worktree.path, branch: worktree.branch };
  let error: string | undefined;
  let settled: string[] = [];
  try {
    const r = await launchAgent(ctx, spec, opts);
    settled = r.planned.plan.settled;
    if (r.died) error = describeStartFailure(r);
  } catch (e) {
    error = e instanceof GtError ? e.line : messageOf(e);
  }
  // Only from spawning: a quick agent may already have finished (done) within the health window.
  if (!error) {
    withLedger(layout, (l) =>
      l.write(() => {
        if (l.getAgentBead(agentId)?.agent_state === 'spawning') l.setAgentState(agentId, 'working');
      }),
    );
  }
  return { ...base, started: !error, ...(error ? { error } : {}), ...(settled.length ? { settled } : {}) };
}

/** The calling polecat's agent bead id, from its env identity. */
export function polecatAgentId(address: string, prefix: string): string {
  return agentBeadId(parseAddress(address), prefix);
}

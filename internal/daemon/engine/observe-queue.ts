import { existsSync } from 'node:fs';
import { reportedActivity } from '../../agent/state.js';
import { readHeartbeatFileAt } from '../../config/heartbeat-file.js';
import { rigMaxPolecats } from '../../config/settings.js';
import { messageOf } from '../../errors.js';
import { withLedger, type AgentBead } from '../../ledger/index.js';
import { queuedBeads, type QueuedBead } from '../../rig/dispatch-queue.js';
import { queueEntries, type MqEntry } from '../../rig/mq-store.js';
import { inspectPolecatWork } from '../../rig/reap.js';
import { polecatBranch } from '../../rig/worktree.js';
import type { ObservedPolecat, QueueObservation } from '../policy/index.js';
import type { TownView } from './observe.js';
import type { EngineView } from './view.js';

/** Longest git may take to tell one reap candidate's work; a hung rig is looked at again next tick. */
const GIT_TIMEOUT_MS = 15_000;

/**
 * What the reap and dispatch rules need, in one ledger read: the polecats not yet reaped (with
 * their latest merge entry and when they went idle), the queue in dispatch order, the caps. Git is
 * asked only about reap candidates (no open hook, merge not pending), two small calls each.
 * undefined when the ledger or the rigs registry cannot be read (nothing is reaped or dispatched).
 */
export async function observeQueue(engine: EngineView, town: TownView): Promise<QueueObservation | undefined> {
  const { layout } = engine;
  const { settings, rigs } = town;
  if (!rigs || !existsSync(layout.ledgerFile)) return undefined;
  let read: { polecats: AgentBead[]; hooks: Map<string, boolean>; queued: QueuedBead[]; merges: Map<string, MqEntry> };
  try {
    read = withLedger(layout, (l) => {
      const polecats = l.listAgentBeads().filter((a) => a.role === 'polecat' && a.agent_state !== 'nuked' && a.rig && a.name && rigs.rigs[a.rig]);
      const hooks = new Map<string, boolean>();
      for (const a of polecats) if (a.hook_bead) hooks.set(a.hook_bead, (l.getBead(a.hook_bead)?.status ?? 'closed') !== 'closed');
      // The latest entry per branch (entries come oldest first): a reused name's old entries are superseded.
      const merges = new Map<string, MqEntry>();
      for (const rig of new Set(polecats.map((a) => a.rig!))) {
        for (const e of queueEntries(l, { rig, prefix: rigs.rigs[rig]!.prefix })) merges.set(`${rig}/${e.branch}`, e);
      }
      return { polecats, hooks, queued: queuedBeads(l), merges };
    });
  } catch (e) {
    engine.warnOnce('queue-observe', `dispatch queue: cannot read the ledger (nothing reaped or dispatched): ${messageOf(e)}`);
    return undefined;
  }
  engine.resolved('queue-observe');

  const polecats: ObservedPolecat[] = [];
  await Promise.all(
    read.polecats.map(async (a) => {
      const rig = a.rig!;
      const name = a.name!;
      const session = a.session ?? `${rigs.rigs[rig]!.prefix}-${name}`;
      const hookOpen = a.hook_bead ? (read.hooks.get(a.hook_bead) ?? false) : false;
      const entry = read.merges.get(`${rig}/${polecatBranch(name)}`);
      // The branch's latest entry: a reused name's new polecat submits a new one when it is done.
      const merge = entry ? entry.status : null;
      let work: ObservedPolecat['work'] = null;
      if (!hookOpen && merge !== 'queued') {
        try {
          const w = await inspectPolecatWork(layout, rig, name, AbortSignal.timeout(GIT_TIMEOUT_MS));
          work = { uncommitted: w.uncommitted, unmerged: w.unmerged };
          engine.resolved(`reap-git:${a.address}`);
        } catch (e) {
          engine.warnOnce(`reap-git:${a.address}`, `${a.address}: cannot tell its work from git (not reaped): ${messageOf(e)}`);
        }
      }
      polecats.push({ identity: a.address, rig, name, session, state: a.agent_state, hookOpen, idleSince: hookOpen ? null : idleSince(engine, session, a), merge, work });
    }),
  );
  polecats.sort((x, y) => x.identity.localeCompare(y.identity));

  const rigCaps: QueueObservation['rigs'] = {};
  for (const [name, r] of Object.entries(rigs.rigs)) rigCaps[name] = { max: rigMaxPolecats(settings, name), active: (r.state ?? 'active') === 'active' };
  return {
    polecats,
    queued: read.queued.map((b) => ({ id: b.id, rig: b.rig, priority: b.priority, queuedAt: Date.parse(b.queued_at) })),
    rigs: rigCaps,
    townMax: settings.polecats.max,
    idleReapMs: settings.polecats.idle_reap,
    keepDone: settings.polecats.keep_done,
  };
}

/** Since when a polecat with no work has been at rest: its own idle report, else its bead's last change. */
function idleSince(engine: EngineView, session: string, a: AgentBead): number | null {
  let hb;
  try {
    hb = readHeartbeatFileAt(engine.layout.heartbeatFile(session), `.runtime/heartbeats/${session}.json`);
  } catch {
    hb = undefined; // corrupt: reported by observe; fall back to the bead
  }
  const bead = Date.parse(a.updated_at);
  if (!hb) return bead;
  const state = reportedActivity(hb.state);
  if (state !== 'idle') return state === undefined ? bead : null;
  const since = Date.parse(hb.since ?? hb.timestamp);
  return Number.isFinite(since) ? Math.max(since, bead) : bead;
}

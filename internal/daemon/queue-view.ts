import { existsSync } from 'node:fs';
import { loadSettings, rigMaxPolecats } from '../config/settings.js';
import { withLedger } from '../ledger/index.js';
import { polecatLoad, queuedBeads, type QueuedBead } from '../rig/dispatch-queue.js';
import { townLayout } from '../town/layout.js';
import { readRigs } from '../town/rigs.js';

/**
 * The dispatch queue as people read it (gt sling --list, the dashboard's queue section): the
 * queued beads in dispatch order, then the polecats at work, with each rig's slots. One read.
 */
export interface QueueView {
  queued: Array<QueuedBead & { position: number }>;
  polecats: Array<{ identity: string; rig: string; state: string; hook: string | null; session: string | null }>;
  rigs: Array<{ rig: string; polecats: number; max: number; queued: number; state: string }>;
  town: { polecats: number; max: number };
}

export function readQueueView(town: string, rig?: string): QueueView {
  const layout = townLayout(town);
  const settings = loadSettings(layout.settingsFile);
  const rigs = readRigs(layout).rigs;
  const read = existsSync(layout.ledgerFile)
    ? withLedger(layout, (l) => ({
        queued: queuedBeads(l),
        load: polecatLoad(l),
        polecats: l.listAgentBeads().filter((a) => a.role === 'polecat' && a.agent_state !== 'nuked'),
      }))
    : { queued: [], load: { town: 0, rigs: {} }, polecats: [] };
  const mine = <T extends { rig: string | null }>(x: T) => rig === undefined || x.rig === rig;
  return {
    queued: read.queued.filter(mine).map((b, i) => ({ ...b, position: i + 1 })),
    polecats: read.polecats
      .filter(mine)
      .map((a) => ({ identity: a.address, rig: a.rig ?? '', state: a.agent_state, hook: a.hook_bead, session: a.session }))
      .sort((a, b) => a.identity.localeCompare(b.identity)),
    rigs: Object.entries(rigs)
      .filter(([n]) => rig === undefined || n === rig)
      .map(([n, r]) => ({ rig: n, polecats: read.load.rigs[n] ?? 0, max: rigMaxPolecats(settings, n), queued: read.queued.filter((b) => b.rig === n).length, state: r.state ?? 'active' })),
    town: { polecats: read.load.town, max: settings.polecats.max },
  };
}

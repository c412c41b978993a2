import { existsSync } from 'node:fs';
import { InvalidInputError } from '../errors.js';
import { withLedger } from '../ledger/index.js';
import { AGENT_NAME_RE } from '../names.js';
import { inspectPolecatWork, reapPolecat, unsavedWork, type ReapResult } from '../rig/reap.js';
import { Tmux, townSocketName } from '../tmux/index.js';
import { townLayout } from '../town/layout.js';
import { readRigs, requireRig } from '../town/rigs.js';
import { signalVerifiedDaemon } from './probe.js';

/** `gt polecat list|nuke`: the polecats as people manage them by hand. */

export interface PolecatRow {
  identity: string;
  rig: string;
  name: string;
  state: string;
  hook: string | null;
  session: string | null;
  worktree: string | null;
  /** What reaping would throw away (git's word); null when nothing; '?' when git could not tell. */
  unmerged: string | null;
}

export async function listPolecats(town: string, rig?: string): Promise<PolecatRow[]> {
  const layout = townLayout(town);
  const rigs = readRigs(layout);
  if (rig !== undefined) requireRig(rigs, rig);
  if (!existsSync(layout.ledgerFile)) return [];
  const beads = withLedger(layout, (l) => l.listAgentBeads(rig ? { rig } : {})).filter((a) => a.role === 'polecat' && a.rig && a.name && rigs.rigs[a.rig]);
  const rows = await Promise.all(
    beads.map(async (a): Promise<PolecatRow> => {
      const path = layout.polecatWorktree(a.rig!, a.name!);
      let unmerged: string | null;
      try {
        unmerged = unsavedWork(await inspectPolecatWork(layout, a.rig!, a.name!, AbortSignal.timeout(15_000))) ?? null;
      } catch {
        unmerged = '?';
      }
      return { identity: a.address, rig: a.rig!, name: a.name!, state: a.agent_state, hook: a.hook_bead, session: a.session, worktree: existsSync(path) ? path : null, unmerged };
    }),
  );
  return rows.sort((x, y) => x.identity.localeCompare(y.identity));
}

/** `<rig>/<name>` or `<rig>/polecats/<name>`. */
export function parsePolecatTarget(target: string): { rig: string; name: string } {
  const parts = target.split('/');
  const [rig, name] = parts.length === 3 && parts[1] === 'polecats' ? [parts[0]!, parts[2]!] : parts.length === 2 ? [parts[0]!, parts[1]!] : [undefined, undefined];
  if (!rig || !name || !AGENT_NAME_RE.test(rig) || !AGENT_NAME_RE.test(name)) {
    throw new InvalidInputError(`not a polecat: ${JSON.stringify(target)}`, 'name it <rig>/<name>, e.g. myrig/furiosa (gt polecat list)');
  }
  return { rig, name };
}

/** Reap one polecat by hand; refuses unmerged work (or work on its hook) unless forced. Wakes the daemon: a slot is free. */
export async function nukePolecat(town: string, target: string, opts: { force?: boolean } = {}): Promise<ReapResult> {
  const { rig, name } = parsePolecatTarget(target);
  const layout = townLayout(town);
  const r = await reapPolecat(layout, new Tmux(townSocketName(town)), rig, name, { force: opts.force === true });
  await signalVerifiedDaemon(layout, 'SIGUSR1');
  return r;
}

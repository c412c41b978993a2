import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { GtError } from '../errors.js';
import type { TownLayout } from '../town/layout.js';
import { readRigs, requireRig, withRigsLock, writeRigs } from './registry.js';
import { killRigSessions, rigSessions } from './sessions.js';

export interface RemoveRigResult {
  name: string;
  prefix: string;
  /** Sessions killed (only with force). */
  killed: string[];
  /** The rig directory existed and was removed. */
  removed_dir: boolean;
}

/**
 * `gt rig remove`: refuses while any of the rig's sessions run, unless `force` (then they are
 * killed first). Then, under the registry lock, the rig directory is renamed out of the way (one
 * atomic step: it is gone from `<town>/<rig>`), the entry is removed, and the renamed directory is
 * deleted. Worktrees need no separate step: the polecat and refinery worktrees live inside the
 * rig directory and their git metadata inside its clone, so they go together.
 * The rig's agent beads stay in the ledger as history.
 */
export async function removeRig(layout: TownLayout, name: string, opts: { force?: boolean } = {}): Promise<RemoveRigResult> {
  const entry = requireRig(readRigs(layout), name);
  const running = await rigSessions(layout.root, entry.prefix);
  if (running.length && !opts.force) {
    throw new GtError('CONFLICT', `rig ${name} has ${running.length} running session${running.length > 1 ? 's' : ''}: ${running.join(', ')}`, {
      hint: `stop them first, or use 'gt rig remove ${name} --force' to kill them`,
    });
  }
  if (running.length) await killRigSessions(layout.root, running);

  return withRigsLock(layout, () => {
    const rigs = readRigs(layout);
    requireRig(rigs, name);
    const dir = layout.rigDir(name);
    let trash: string | undefined;
    if (existsSync(dir)) {
      const trashRoot = join(layout.runtimeDir, 'rig-remove');
      mkdirSync(trashRoot, { recursive: true });
      trash = join(trashRoot, `${name}.${process.pid}.${randomBytes(4).toString('hex')}`);
      renameSync(dir, trash);
    }
    const { [name]: _gone, ...rest } = rigs.rigs;
    try {
      writeRigs(layout, { ...rigs, rigs: rest });
    } catch (e) {
      // Keep the rig whole: put its directory back before reporting.
      if (trash) renameSync(trash, dir);
      throw e;
    }
    if (trash) rmSync(trash, { recursive: true, force: true });
    return { name, prefix: entry.prefix, killed: running, removed_dir: trash !== undefined };
  });
}

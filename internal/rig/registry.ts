import { join } from 'node:path';
import { GtError } from '../errors.js';
import { writeJsonAtomicSync } from '../fsx/atomic.js';
import { lockExclusive } from '../fsx/flock.js';
import { parseWith } from '../config/load.js';
import { rigsFileSchema, type RigEntry, type RigsFile } from '../config/town-files.js';
import { readRigs, requireRig } from '../ledger/rigs.js';
import { TOWN_FILES, type TownLayout } from '../town/layout.js';

/**
 * mayor/rigs.json changes only under the registry lock (flock on mayor/rigs.lock): read, change,
 * write atomically, release. Two `gt rig add`s at once therefore never lose each other's entry.
 * Readers need no lock: the atomic write means they see the old or the new file, never a torn one.
 */

export const RIGS_LOCK_TIMEOUT_MS = 120_000;

export function rigsLockPath(layout: Pick<TownLayout, 'mayorDir'>): string {
  return join(layout.mayorDir, 'rigs.lock');
}

/** Run `fn` holding the registry lock. */
export async function withRigsLock<T>(layout: Pick<TownLayout, 'mayorDir'>, fn: () => Promise<T> | T): Promise<T> {
  const path = rigsLockPath(layout);
  const lock = await lockExclusive(path, RIGS_LOCK_TIMEOUT_MS);
  if (!lock) {
    throw new GtError('LOCK_HELD', `${TOWN_FILES.rigsFile} stayed locked for ${RIGS_LOCK_TIMEOUT_MS / 1000}s by another gt rig command`, {
      hint: 'wait for it to finish and try again',
    });
  }
  try {
    return await fn();
  } finally {
    lock.release();
  }
}

export { readRigs, requireRig };

/** Validate and write the registry atomically. Call only while holding the lock. */
export function writeRigs(layout: Pick<TownLayout, 'rigsFile'>, rigs: RigsFile): void {
  // Validate what we write too: a bug here must not leave a file every later command rejects.
  writeJsonAtomicSync(layout.rigsFile, parseWith(rigsFileSchema, rigs, TOWN_FILES.rigsFile));
}

/** Read-modify-write one rig's entry under the lock; returns the new entry. */
export async function updateRig(
  layout: Pick<TownLayout, 'mayorDir' | 'rigsFile'>,
  name: string,
  change: (entry: RigEntry) => RigEntry,
): Promise<RigEntry> {
  return withRigsLock(layout, () => {
    const rigs = readRigs(layout);
    const next = change(requireRig(rigs, name));
    writeRigs(layout, { ...rigs, rigs: { ...rigs.rigs, [name]: next } });
    return next;
  });
}

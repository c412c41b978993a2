import { linkSync, lstatSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import { errnoCode } from '../errors.js';
import { writeFileAtomicSync } from '../fsx/atomic.js';
import { readTextBounded } from '../fsx/read.js';
import type { TownLayout } from '../town/layout.js';
import { signalVerifiedDaemon } from './probe.js';

/**
 * The emergency stop: while `<town>/ESTOP` exists the daemon starts, kills and nudges nothing
 * (its gate is the file's existence; the content is only a record of who set it and why).
 */

export interface EstopRecord {
  set: boolean;
  path: string;
  created_at?: string;
  by?: string;
  reason?: string;
}

export function readEstop(layout: TownLayout): EstopRecord {
  // Anything at the path counts (a person may `touch ESTOP`, or leave a link there); the JSON
  // record is a courtesy, read only from a small regular file.
  const r = readTextBounded(layout.estop, { cap: 'small', noFollow: true });
  if (!r.ok && r.missing) return lstatExists(layout.estop) ? { set: true, path: layout.estop } : { set: false, path: layout.estop };
  if (!r.ok) return { set: true, path: layout.estop };
  try {
    const j = JSON.parse(r.text) as Record<string, unknown>;
    const str = (k: string) => (typeof j[k] === 'string' ? (j[k] as string) : undefined);
    return { set: true, path: layout.estop, created_at: str('created_at'), by: str('by'), reason: str('reason') };
  } catch {
    return { set: true, path: layout.estop };
  }
}

/**
 * Create ESTOP atomically: the record is written whole to a temp file, then hard-linked into place
 * (link fails if ESTOP exists, so a concurrent estop never overwrites the first record).
 * Returns false when it was already set.
 */
export function setEstop(layout: TownLayout, reason: string | undefined, now = new Date()): boolean {
  const record = { created_at: now.toISOString(), by: `${safeUser()} (pid ${process.pid})`, ...(reason ? { reason } : {}) };
  const tmp = join(dirname(layout.estop), `.${basename(layout.estop)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  writeFileAtomicSync(tmp, `${JSON.stringify(record, null, 2)}\n`);
  try {
    linkSync(tmp, layout.estop);
    return true;
  } catch (e) {
    if (errnoCode(e) === 'EEXIST') return false;
    throw e;
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      // Already gone.
    }
  }
}

/** Remove ESTOP (one unlink: atomic). Returns false when it was not set. */
export function clearEstop(layout: TownLayout): boolean {
  try {
    unlinkSync(layout.estop);
    return true;
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return false;
    throw e;
  }
}

/** A dangling symlink is missing to open() but present to a person (and to the daemon's gate). */
function lstatExists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

/** `gt estop` and the dashboard: set ESTOP and, when that changed anything, wake the daemon so it logs the stop at once. */
export async function engageEstop(layout: TownLayout, reason: string | undefined): Promise<EstopRecord & { changed: boolean }> {
  const changed = setEstop(layout, reason);
  if (changed) await signalVerifiedDaemon(layout, 'SIGUSR1');
  return { ...readEstop(layout), changed };
}

/** `gt thaw` and the dashboard: remove ESTOP and wake the daemon (its pid, or null) so it reconciles at once. */
export async function releaseEstop(layout: TownLayout): Promise<{ changed: boolean; path: string; daemon: number | null }> {
  const changed = clearEstop(layout);
  const woken = changed ? await signalVerifiedDaemon(layout, 'SIGUSR1') : undefined;
  const daemon = woken?.notified ? woken.pid : null;
  return { changed, path: layout.estop, daemon };
}

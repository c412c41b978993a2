import { closeSync, linkSync, openSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import { GtError, describeWriteError, errnoCode } from '../errors.js';
import { callMethod } from '../control/client.js';
import { ESTOP, THAW, type EstopResult, type ThawResult } from '../control/protocol/messages/estop.js';
import { writeFileAtomicSync } from '../fsx/atomic.js';
import { lstatExists, readTextBounded } from '../fsx/read.js';
import type { TownLayout } from '../town/layout.js';

/**
 * The emergency stop: while `<town>/ESTOP` exists, or the running daemon holds a stop in memory
 * (set over the control socket when the file could not be written: a full or read-only disk),
 * the daemon starts, kills and nudges nothing. The file's existence is the gate; its content is
 * only a record of who set it and why.
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
 * (link fails if ESTOP exists, so a concurrent estop never overwrites the first record). On a full
 * disk an empty ESTOP is made instead (it gates just the same). Returns false when it was already
 * set; throws when nothing could be written (EROFS, ENOSPC with no inode left).
 */
export function setEstop(layout: TownLayout, reason: string | undefined, now = new Date(), by = whoAmI()): boolean {
  const record = { created_at: now.toISOString(), by, ...(reason ? { reason } : {}) };
  const tmp = join(dirname(layout.estop), `.${basename(layout.estop)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    writeFileAtomicSync(tmp, `${JSON.stringify(record, null, 2)}\n`);
  } catch (e) {
    const code = errnoCode(e);
    if (code !== 'ENOSPC' && code !== 'EDQUOT') throw e;
    // A full disk may still take an empty file (an inode, no data block): the stop matters more
    // than its record. If even that fails, the first error says why.
    try {
      closeSync(openSync(layout.estop, 'wx'));
      return true;
    } catch (e2) {
      if (errnoCode(e2) === 'EEXIST') return false;
      throw e;
    }
  }
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

/** Who is asking, for the record: "user (pid N)". */
export function whoAmI(): string {
  return `${safeUser()} (pid ${process.pid})`;
}

/** Anything at <town>/ESTOP counts (a file, a dangling link): a person may `touch ESTOP`. */
export function estopFileExists(layout: Pick<TownLayout, 'estop'>): boolean {
  return lstatExists(layout.estop);
}

/** The gate the daemon's tick and act check: the file, or a stop the daemon holds in memory. */
export function estopActive(layout: Pick<TownLayout, 'estop'>, heldInMemory?: () => boolean): boolean {
  return estopFileExists(layout) || heldInMemory?.() === true;
}

export interface HeldEstop {
  since: string;
  reason?: string;
  by?: string;
  /** Why the file could not be written. */
  file_error: string;
}

/**
 * The daemon's side of the emergency stop, reached over the control socket (`gt estop`, `gt thaw`).
 * `set` writes <town>/ESTOP when it can; when it cannot, the stop is held in memory (the gate
 * honours it at once) and the file is retried every `retryMs` until it is written, after which
 * the file carries the stop (and survives a daemon restart). `thaw` ends both.
 */
export class EstopControl {
  private held: HeldEstop | null = null;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly layout: TownLayout,
    private readonly log: { info(m: string): void; warn(m: string): void },
    private readonly retryMs = 2_000,
  ) {}

  /** A stop held in memory (the file could not be written), or null. */
  get heldInMemory(): HeldEstop | null {
    return this.held;
  }

  /** For the gate: is a stop held in memory? */
  readonly isHeld = (): boolean => this.held !== null;

  set(reason: string | undefined, by: string | undefined): { file: boolean; held: boolean; file_error: string | null } {
    if (estopFileExists(this.layout)) return { file: true, held: this.held !== null, file_error: null };
    const since = new Date();
    try {
      setEstop(this.layout, reason, since, by ?? whoAmI());
      this.log.info(`ESTOP set${by ? ` by ${by}` : ''}${reason ? ` (${reason})` : ''}`);
      return { file: true, held: false, file_error: null };
    } catch (e) {
      const why = describeWriteError(e);
      this.held ??= { since: since.toISOString(), ...(reason ? { reason } : {}), ...(by ? { by } : {}), file_error: why };
      this.log.warn(`ESTOP held in memory: cannot write ${this.layout.estop}: ${why}; it is written as soon as the disk allows, and lost if the daemon restarts before that`);
      this.schedule();
      return { file: false, held: true, file_error: why };
    }
  }

  thaw(): { was_held: boolean; file: boolean; file_error: string | null } {
    const wasHeld = this.held !== null;
    this.held = null;
    this.stop();
    try {
      clearEstop(this.layout);
      if (wasHeld) this.log.info('ESTOP held in memory ended (gt thaw)');
      return { was_held: wasHeld, file: false, file_error: null };
    } catch (e) {
      const why = describeWriteError(e);
      this.log.warn(`gt thaw: cannot remove ${this.layout.estop}: ${why}; the stop stays on while the file exists`);
      return { was_held: wasHeld, file: estopFileExists(this.layout), file_error: why };
    }
  }

  /** Stop retrying (the daemon is shutting down). */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.retry(), this.retryMs);
    this.timer.unref();
  }

  private retry(): void {
    const h = this.held;
    if (!h) return this.stop();
    try {
      if (!estopFileExists(this.layout)) setEstop(this.layout, h.reason, new Date(h.since), h.by ?? whoAmI());
      this.log.info(`ESTOP written to ${this.layout.estop} (held in memory since ${h.since}); the file carries it now`);
      this.held = null;
      this.stop();
    } catch {
      // Still cannot write: keep holding it in memory and try again later.
    }
  }
}


function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

export interface EngageResult extends EstopRecord {
  changed: boolean;
  /** The file could not be written; the running daemon holds the stop in memory. */
  held_in_memory: boolean;
  /** Why the file could not be written, if it could not. */
  file_error: string | null;
  /** The daemon that was told, or null when none answered. */
  daemon: number | null;
}

/**
 * `gt estop` and the dashboard: write <town>/ESTOP and tell the daemon over its control socket
 * (it acts at once, and holds the stop in memory when the file could not be written: a full or
 * read-only disk). With neither the file nor a daemon to hold it, that is an error.
 */
export async function engageEstop(layout: TownLayout, reason: string | undefined): Promise<EngageResult> {
  let changed = false;
  let fileError: string | null = null;
  try {
    changed = setEstop(layout, reason);
  } catch (e) {
    fileError = describeWriteError(e);
  }
  let daemon: EstopResult | null = null;
  try {
    daemon = await callMethod(layout.controlSocket, ESTOP, { ...(reason ? { reason } : {}), by: whoAmI() }, { timeoutMs: 5_000 });
  } catch {
    // No daemon answering: the file alone carries the stop (a daemon that starts later reads it).
  }
  if (fileError !== null && !daemon?.file && !daemon?.held) {
    throw new GtError('IO', `cannot set ESTOP: cannot write ${layout.estop}: ${fileError}, and no daemon answered to hold the stop in memory`, {
      hint: 'free the disk (or remount it read-write) and run gt estop again',
    });
  }
  const heldInMemory = fileError !== null && (daemon?.held ?? false);
  return { ...readEstop(layout), set: true, changed: changed || heldInMemory, held_in_memory: heldInMemory, file_error: fileError, daemon: daemon?.pid ?? null };
}

/**
 * `gt thaw` and the dashboard: remove <town>/ESTOP and tell the daemon (it ends a stop it holds
 * in memory and reconciles at once). A file that cannot be removed keeps the stop on: an error.
 */
export async function releaseEstop(layout: TownLayout): Promise<{ changed: boolean; path: string; daemon: number | null; file_error: string | null }> {
  let removed = false;
  let fileError: string | null = null;
  try {
    removed = clearEstop(layout);
  } catch (e) {
    fileError = describeWriteError(e);
  }
  let daemon: ThawResult | null = null;
  try {
    daemon = await callMethod(layout.controlSocket, THAW, undefined, { timeoutMs: 5_000 });
  } catch {
    // No daemon answering: removing the file is all there is to do.
  }
  if (estopFileExists(layout)) {
    throw new GtError('IO', `ESTOP is still set: cannot remove ${layout.estop}: ${fileError ?? daemon?.file_error ?? 'it came back'}`, {
      hint: 'remove it by hand once the disk allows (the stop stays on while the file exists)',
    });
  }
  return { changed: removed || (daemon?.was_held ?? false), path: layout.estop, daemon: daemon?.pid ?? null, file_error: fileError };
}

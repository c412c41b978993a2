import { accessSync, constants, existsSync, mkdirSync, statfsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { GtError, LedgerUnavailableError, describeWriteError, errnoCode, isGtError, messageOf } from '../errors.js';
import { migrate } from './migrations.js';

export type Db = Database.Database;

export interface OpenDbOptions {
  /** How long SQLite itself waits for a lock before SQLITE_BUSY (ms). */
  busyTimeoutMs?: number;
  /** How many times a BUSY that escaped the timeout is retried, with jittered backoff. */
  busyRetries?: number;
}

const DEFAULTS = { busyTimeoutMs: 10_000, busyRetries: 8 } as const;
const LABEL = '.beads/beads.db';

/** SQLite result codes meaning "someone else holds a lock right now": safe to retry the whole step. */
export function isBusy(e: unknown): boolean {
  const code = errnoCode(e);
  return code !== undefined && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

export function isSqliteError(e: unknown): boolean {
  return errnoCode(e)?.startsWith('SQLITE_') ?? false;
}

// A synchronous sleep: better-sqlite3 is synchronous, so the retry loop around it is too.
const sleeper = new Int32Array(new SharedArrayBuffer(4));
function sleepSync(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

/**
 * Run `fn`, retrying when SQLITE_BUSY escapes SQLite's own busy timeout (it can: WAL recovery,
 * the journal-mode switch on a fresh file, checkpoints). `fn` must be a whole transaction or a
 * step with no partial effects, so running it again is safe.
 */
export function withBusyRetry<T>(fn: () => T, retries: number = DEFAULTS.busyRetries): T {
  for (let attempt = 0; ; attempt++) {
    try {
      return fn();
    } catch (e) {
      if (!isBusy(e) || attempt >= retries) throw e;
      // Exponential backoff with full jitter, so a herd of writers spreads out.
      sleepSync(Math.random() * Math.min(2_000, 25 * 2 ** attempt));
    }
  }
}

/** Turn a SQLite failure into one clear GtError line; GtErrors pass through unchanged. */
export function ledgerError(e: unknown, path: string): GtError {
  if (isGtError(e)) return e;
  const code = errnoCode(e) ?? '';
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return new LedgerUnavailableError('corrupt', `${LABEL} (${path}) is not a valid SQLite database: ${messageOf(e)}`, {
      hint: 'restore it from a backup, or move the .beads directory aside to start an empty ledger',
      cause: e,
    });
  }
  if (code === 'SQLITE_FULL') {
    return new LedgerUnavailableError('full', `cannot write ${LABEL} (${path}): the disk is full: ${messageOf(e)}`, {
      hint: 'free some disk space; gt retries by itself',
      cause: e,
    });
  }
  if (isBusy(e)) {
    return new GtError('LOCK_HELD', `${LABEL} stayed locked by other writers; gave up after retrying`, {
      hint: 'try again; if it persists, look for a stuck gt process holding the ledger',
      cause: e,
    });
  }
  if (code === 'SQLITE_CANTOPEN' || code === 'SQLITE_READONLY' || code.startsWith('SQLITE_IOERR') || code === 'SQLITE_PERM') {
    // SQLite says "disk I/O error" or "unable to open" for a full or read-only disk too: ask the
    // filesystem which it is, so the hint points at the real problem.
    const disk = diskProblem(dirname(path));
    if (disk === 'full') {
      return new LedgerUnavailableError('full', `cannot write ${LABEL} (${path}): the disk is full: ${messageOf(e)}`, { hint: 'free some disk space; gt retries by itself', cause: e });
    }
    if (disk === 'read-only' || code === 'SQLITE_READONLY_ROFS') {
      return new LedgerUnavailableError('unusable', `cannot write ${LABEL} (${path}): read-only file system`, { hint: 'remount it read-write; gt retries by itself', cause: e });
    }
    return new LedgerUnavailableError('unusable', `cannot use ${LABEL} (${path}): ${messageOf(e)}`, { hint: 'check the file and directory permissions', cause: e });
  }
  return new GtError('IO', `${LABEL}: ${messageOf(e)}`, { cause: e });
}

/** Whether the filesystem holding `dir` is out of space or inodes, or mounted read-only. */
function diskProblem(dir: string): 'full' | 'read-only' | undefined {
  try {
    const st = statfsSync(dir);
    if (st.bavail === 0 || st.ffree === 0) return 'full';
  } catch {
    return undefined;
  }
  try {
    accessSync(dir, constants.W_OK);
  } catch (e) {
    if (errnoCode(e) === 'EROFS') return 'read-only';
  }
  return undefined;
}

/**
 * `.beads/<MARKER>` says this town has had a ledger. It is written once the ledger has opened, so
 * a ledger file that is gone while the marker stays was deleted (or lost), and is reported instead
 * of being silently recreated empty. Moving the whole `.beads/` aside starts a new ledger.
 */
export const LEDGER_MARKER = 'ledger.created';

export function ledgerMissingError(file: string): LedgerUnavailableError {
  return new LedgerUnavailableError('missing', `${LABEL} (${file}) is missing: this town had a ledger and it was deleted; gt does not recreate it empty`, {
    hint: 'restore .beads/beads.db from a backup, or move the .beads directory aside to start an empty ledger',
  });
}

/** The ledger was created once and its file is gone now. */
export function ledgerDeleted(beadsDir: string, file: string): boolean {
  // Checked file, marker, file: a first opener that creates the file and then the marker between
  // our two looks at the file is never mistaken for a deletion.
  return !existsSync(file) && existsSync(join(beadsDir, LEDGER_MARKER)) && !existsSync(file);
}

/**
 * Open the town's ledger: create `.beads/` on first use (never again once it existed: see
 * LEDGER_MARKER), WAL, busy timeout, synchronous=NORMAL, then bring the schema up to date.
 * Every failure is a one-line GtError (LedgerUnavailableError when the ledger is unusable as a whole).
 */
export function openDb(beadsDir: string, file: string, options: OpenDbOptions = {}): Db {
  const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULTS.busyTimeoutMs;
  const retries = options.busyRetries ?? DEFAULTS.busyRetries;
  if (ledgerDeleted(beadsDir, file)) throw ledgerMissingError(file);
  try {
    mkdirSync(beadsDir, { recursive: true });
  } catch (e) {
    throw new GtError('IO', `cannot create ${beadsDir}: ${describeWriteError(e)}`, { cause: e });
  }
  let db: Db | undefined;
  try {
    db = new Database(file, { timeout: busyTimeoutMs });
    const opened = db;
    // Switching a fresh file to WAL takes an exclusive lock; many first openers can collide here.
    withBusyRetry(() => opened.pragma('journal_mode = WAL'), retries);
    opened.pragma('synchronous = NORMAL');
    opened.pragma('foreign_keys = ON');
    withBusyRetry(() => migrate(opened), retries);
    markCreated(beadsDir);
    return opened;
  } catch (e) {
    try {
      db?.close();
    } catch {
      // Closing a half-opened handle can fail on a corrupt file; the original error matters more.
    }
    throw ledgerError(e, file);
  }
}

function markCreated(beadsDir: string): void {
  const marker = join(beadsDir, LEDGER_MARKER);
  if (existsSync(marker)) return;
  try {
    writeFileSync(marker, 'gt: this town has a ledger (.beads/beads.db); a missing one was deleted, not never created\n', { flag: 'wx' });
  } catch {
    // Another opener wrote it first (EEXIST), or the disk refuses (read-only, full): the next open tries again.
  }
}

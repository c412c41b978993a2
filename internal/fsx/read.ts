import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, type Stats } from 'node:fs';
import { errnoCode, messageOf } from '../errors.js';

/**
 * The one door through which gt reads a file: opened without blocking (a FIFO never hangs the
 * reader), optionally without following a final symlink, checked to be a regular file, and read
 * only up to a size cap. Agents write their own heartbeat files and people edit settings, so any
 * of them can be a FIFO, a link to /dev/zero or a sparse 1 GB file; none may hang or exhaust gt.
 */

/** Caps per kind of file (bytes). A file above its cap is invalid, never read in part. */
export const READ_CAPS = {
  /** Heartbeat files, the pid file, ESTOP: a few small fields. */
  small: 64 * 1024,
  /** The daemon's own state (state.json, restart and notification state, rigs.json). */
  state: 4 * 1024 * 1024,
  /** Settings and role definitions a person writes. */
  config: 1024 * 1024,
} as const;

export type ReadCap = keyof typeof READ_CAPS;

export interface ReadBoundedOptions {
  /** Most bytes accepted: a kind from READ_CAPS or a number. */
  cap: ReadCap | number;
  /** Refuse a symlink as the final component: set for every file gt itself writes. */
  noFollow?: boolean;
}

export type ReadOutcome =
  | { ok: true; data: Buffer; size: number }
  | { ok: false; missing: true }
  | { ok: false; missing: false; invalid: string };

/** Why a file is unusable, or a system error that is not about the file's shape. */
export class UnreadableFileError extends Error {
  readonly path: string;
  readonly code: string | undefined;
  constructor(path: string, why: string, code?: string) {
    super(`${path}: ${why}`);
    this.name = 'UnreadableFileError';
    this.path = path;
    this.code = code;
  }
}

function capBytes(cap: ReadCap | number): number {
  return typeof cap === 'number' ? cap : READ_CAPS[cap];
}

/** What a non-regular file is, in words a person recognises. */
export function describeFileType(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  if (st.isDirectory()) return 'a directory';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${Math.round((n / (1024 * 1024)) * 10) / 10} MB`;
  if (n >= 1024) return `${Math.round((n / 1024) * 10) / 10} KB`;
  return `${n} bytes`;
}

/**
 * Open `path` read-only and non-blocking. Returns the fd, `missing`, or an `invalid` reason for
 * a path that exists but cannot be what gt expects (a symlink under noFollow, a directory).
 */
function openForRead(path: string, noFollow: boolean): number | { missing: true } | { invalid: string } {
  const flags = constants.O_RDONLY | constants.O_NONBLOCK | (noFollow ? constants.O_NOFOLLOW : 0);
  try {
    return openSync(path, flags);
  } catch (e) {
    const code = errnoCode(e);
    if (code === 'ENOENT') return { missing: true };
    if (code === 'ELOOP' && noFollow) return { invalid: 'is a symbolic link (gt writes this file itself and never follows a link here)' };
    if (code === 'ELOOP') return { invalid: 'is a symbolic link loop' };
    if (code === 'EISDIR') return { invalid: 'is a directory, not a file' };
    if (code === 'ENXIO') return { invalid: 'is a socket or device, not a file' };
    throw new UnreadableFileError(path, `cannot open: ${messageOf(e)}`, code);
  }
}

/**
 * Open `path` and hand a regular file's fd and size to `fn`; anything else is an outcome.
 * System errors other than the file's shape throw UnreadableFileError.
 */
function withRegularFile(path: string, noFollow: boolean, fn: (fd: number, size: number) => ReadOutcome): ReadOutcome {
  const fd = openForRead(path, noFollow);
  if (typeof fd !== 'number') return 'missing' in fd ? { ok: false, missing: true } : { ok: false, missing: false, invalid: fd.invalid };
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { ok: false, missing: false, invalid: `is ${describeFileType(st)}, not a regular file` };
    return fn(fd, st.size);
  } catch (e) {
    throw new UnreadableFileError(path, `cannot read: ${messageOf(e)}`, errnoCode(e));
  } finally {
    closeSync(fd);
  }
}

/** Up to `len` bytes from `position` (or, with null, from the current offset). */
function readAt(fd: number, len: number, position: number | null): Buffer {
  const buf = Buffer.allocUnsafe(len);
  let got = 0;
  while (got < len) {
    const n = readSync(fd, buf, got, len - got, position === null ? null : position + got);
    if (n === 0) break;
    got += n;
  }
  return buf.subarray(0, got);
}

/**
 * Read a whole file that must be a regular file of at most `cap` bytes. A missing file and an
 * invalid one (wrong type, too large, a symlink under noFollow) are outcomes, not exceptions;
 * other system errors (EACCES, EIO) throw UnreadableFileError.
 */
export function readFileBounded(path: string, opts: ReadBoundedOptions): ReadOutcome {
  const cap = capBytes(opts.cap);
  return withRegularFile(path, opts.noFollow ?? false, (fd, size) => {
    if (size > cap) return { ok: false, missing: false, invalid: tooLarge(size, cap) };
    // The file may grow between fstat and read: read at most cap + 1 bytes and judge what came.
    const data = readAt(fd, Math.min(cap + 1, Math.max(size + 1, 4096)), null);
    if (data.length > cap) return { ok: false, missing: false, invalid: tooLarge(data.length, cap) };
    return { ok: true, data, size: data.length };
  });
}

function tooLarge(size: number, cap: number): string {
  return `is too large (${formatBytes(size)}; at most ${formatBytes(cap)} is read)`;
}

/** readFileBounded as UTF-8 text. */
export function readTextBounded(path: string, opts: ReadBoundedOptions): { ok: true; text: string } | Exclude<ReadOutcome, { ok: true }> {
  const r = readFileBounded(path, opts);
  return r.ok ? { ok: true, text: r.data.toString('utf8') } : r;
}

/**
 * The last `maxBytes` of a regular file (a log's tail), plus the file's size. The same checks as
 * readFileBounded, but a large file is not invalid: only its end is read.
 */
export function readTailBounded(path: string, maxBytes: number, opts: { noFollow?: boolean } = {}): ReadOutcome {
  return withRegularFile(path, opts.noFollow ?? false, (fd, size) => ({ ok: true, data: readAt(fd, Math.min(maxBytes, size), Math.max(0, size - maxBytes)), size }));
}

/** At most `maxBytes` from offset `from` of a regular file (for following a log), plus its size. */
export function readRangeBounded(path: string, from: number, maxBytes: number, opts: { noFollow?: boolean } = {}): ReadOutcome {
  return withRegularFile(path, opts.noFollow ?? false, (fd, size) => ({ ok: true, data: readAt(fd, Math.max(0, Math.min(maxBytes, size - from)), from), size }));
}

/** Whether anything is at `p`, itself (a dangling symlink counts: missing to open(), present to a person). */
export function lstatExists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

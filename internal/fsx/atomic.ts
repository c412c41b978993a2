import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Write a file so that a reader (or a kill -9 at any moment) sees the old content or the new
 * content, never a torn file: write a temp file in the same directory, fsync, rename, fsync dir.
 */
export function writeFileAtomicSync(path: string, data: string | Uint8Array, mode = 0o644): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let fd = openSync(tmp, 'wx', mode);
  try {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    safeUnlink(tmp);
    throw e;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (e) {
    safeUnlink(tmp);
    throw e;
  }
  // The rename is only durable once the directory entry is; a failure here leaves valid content.
  try {
    fd = openSync(dirname(path), 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some filesystems refuse fsync on directories; the content is still whole.
  }
}

export function writeJsonAtomicSync(path: string, value: unknown, mode = 0o644): void {
  writeFileAtomicSync(path, `${JSON.stringify(value, null, 2)}\n`, mode);
}

function safeUnlink(p: string): void {
  try {
    unlinkSync(p);
  } catch {
    // Best effort: a stray temp file is harmless and named so it is recognisable.
  }
}

import { closeSync, constants, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import { errnoCode } from '../errors.js';

const require = createRequire(import.meta.url);

interface FsExt {
  flockSync(fd: number, flags: 'sh' | 'ex' | 'shnb' | 'exnb' | 'un'): void;
}

let fsExt: FsExt | undefined;
function native(): FsExt {
  // Loaded on first use so commands that never lock do not pay for the native addon.
  fsExt ??= require('fs-ext') as FsExt;
  return fsExt;
}

/**
 * The lock file's fd: created if missing, but opened read-only (flock needs no write access).
 * A lock held for a process's life is then no open-for-write file: a read-only remount is not
 * refused because of it, and an existing lock file still opens on a read-only or full disk.
 */
function openLockFile(path: string): number {
  return openSync(path, constants.O_RDONLY | constants.O_CREAT, 0o644);
}

export interface HeldLock {
  readonly path: string;
  readonly fd: number;
  release(): void;
}

/**
 * flock(LOCK_EX|LOCK_NB) on `path` (created if missing). Returns the held lock, or undefined
 * when another open file description holds it. The lock lives as long as the fd: a process that
 * dies releases it, so there is never a stale lock to clean up. The file itself is never deleted
 * (unlinking a lock file lets two holders lock two different inodes).
 */
export function tryLockExclusive(path: string): HeldLock | undefined {
  const fd = openLockFile(path);
  try {
    native().flockSync(fd, 'exnb');
  } catch (e) {
    closeSync(fd);
    const code = errnoCode(e);
    if (code === 'EAGAIN' || code === 'EWOULDBLOCK') return undefined;
    throw e;
  }
  let held = true;
  return {
    path,
    fd,
    release() {
      if (!held) return;
      held = false;
      try {
        native().flockSync(fd, 'un');
      } finally {
        closeSync(fd);
      }
    },
  };
}

/** Blocking exclusive lock with a deadline (polls, so it can be bounded). */
export async function lockExclusive(path: string, timeoutMs: number, pollMs = 50): Promise<HeldLock | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const lock = tryLockExclusive(path);
    if (lock) return lock;
    if (Date.now() >= deadline) return undefined;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

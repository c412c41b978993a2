import { closeSync, constants, fstatSync, lstatSync, openSync, readlinkSync, unlinkSync } from 'node:fs';
import { errnoCode, messageOf } from '../errors.js';
import { UnreadableFileError, describeFileType } from './read.js';

/**
 * Open a file for appending (a log): created 0644 if missing, never through a final symlink,
 * never blocking on a FIFO, and only when it is a regular file. Returns the fd or throws
 * UnreadableFileError naming what the path is instead.
 */
export function openAppendNoFollow(path: string, mode = 0o644): number {
  const flags = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK;
  let fd: number;
  try {
    fd = openSync(path, flags, mode);
  } catch (e) {
    const code = errnoCode(e);
    if (code === 'ELOOP') throw new UnreadableFileError(path, 'is a symbolic link; gt writes only to a regular file it owns', code);
    if (code === 'ENXIO') throw new UnreadableFileError(path, 'is a FIFO or socket, not a regular file', code);
    throw new UnreadableFileError(path, `cannot open: ${messageOf(e)}`, code);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new UnreadableFileError(path, `is ${describeFileType(st)}, not a regular file`);
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  return fd;
}

/**
 * Open a file gt owns for appending, replacing whatever non-regular thing sits at its path (a
 * symlink someone planted, a FIFO): the link or FIFO itself is removed, never its target, and
 * a fresh regular file takes its place. Returns the fd and, when something was replaced, a line
 * saying what, for the caller to log. A directory is not removed (the open fails).
 */
export function openOwnedAppend(path: string, mode = 0o644): { fd: number; replaced?: string } {
  try {
    return { fd: openAppendNoFollow(path, mode) };
  } catch (e) {
    if (!(e instanceof UnreadableFileError)) throw e;
    let st;
    try {
      st = lstatSync(path);
    } catch {
      throw e;
    }
    // A regular file or a directory that failed to open has another problem (permissions, EROFS).
    if (st.isFile() || st.isDirectory()) throw e;
    const what = st.isSymbolicLink() ? `a symbolic link to ${safeReadlink(path)}` : describeFileType(st);
    try {
      unlinkSync(path);
    } catch {
      throw e;
    }
    return { fd: openAppendNoFollow(path, mode), replaced: `${path} was ${what}; replaced it with a regular file (the target is untouched)` };
  }
}

function safeReadlink(p: string): string {
  try {
    return JSON.stringify(readlinkSync(p));
  } catch {
    return '?';
  }
}

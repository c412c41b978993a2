import { unlinkSync } from 'node:fs';
import { errnoCode } from '../errors.js';
import { writeFileAtomicSync } from './atomic.js';
import { readTextBounded } from './read.js';

export interface PidRecord {
  pid: number;
  nonce: string;
}

const PID_FILE_RE = /^(\d{1,10})\n([0-9a-f]{8,64})\n?$/;

/** Write "<pid>\n<nonce>\n" atomically. */
export function writePidFile(path: string, rec: PidRecord): void {
  writeFileAtomicSync(path, `${rec.pid}\n${rec.nonce}\n`);
}

/**
 * The record, or undefined if the file is missing or not of the expected form (which includes
 * not being a small regular file: the daemon writes it atomically, never as a link or a FIFO).
 */
export function readPidFile(path: string): PidRecord | undefined {
  const r = readTextBounded(path, { cap: 'small', noFollow: true });
  if (!r.ok) return undefined;
  const m = PID_FILE_RE.exec(r.text);
  if (!m) return undefined;
  return { pid: Number(m[1]), nonce: m[2]! };
}

/** Remove the pid file only if it still names this exact record (pid and nonce). */
export function removePidFileIfOwned(path: string, rec: PidRecord): boolean {
  const cur = readPidFile(path);
  if (!cur || cur.pid !== rec.pid || cur.nonce !== rec.nonce) return false;
  try {
    unlinkSync(path);
    return true;
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return false;
    throw e;
  }
}

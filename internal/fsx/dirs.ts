import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { GtError, describeWriteError, errnoCode, messageOf } from '../errors.js';

/**
 * `mkdir -p` that always ends. Node's recursive mkdirSync loops forever where a parent exists
 * but refuses children with ENOENT (/proc/x), and reports a file in the way as a raw ENOTDIR;
 * this walks up to the first existing ancestor, checks it is a directory, and creates the rest
 * one level at a time, each failure one clear GtError naming the directory.
 */
export function ensureDir(dir: string): void {
  const missing: string[] = [];
  let d = resolve(dir);
  for (;;) {
    let isDir: boolean;
    try {
      isDir = statSync(d).isDirectory();
    } catch (e) {
      const code = errnoCode(e);
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw new GtError('IO', `cannot use ${d}: ${messageOf(e)}`);
      missing.push(d);
      const up = dirname(d);
      if (up === d) break;
      d = up;
      continue;
    }
    if (!isDir) throw new GtError('INVALID_INPUT', `${d} is not a directory`, { hint: 'choose a path whose parents are directories' });
    break;
  }
  for (const m of missing.reverse()) {
    try {
      mkdirSync(m);
    } catch (e) {
      const code = errnoCode(e);
      if (code === 'EEXIST' && statSync(m).isDirectory()) continue; // made by someone else meanwhile
      const why = code === 'ENOENT' ? 'this filesystem does not allow creating it' : describeWriteError(e);
      throw new GtError('IO', `cannot create directory ${m}: ${why}`);
    }
  }
}

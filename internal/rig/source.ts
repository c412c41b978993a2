import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { InvalidInputError } from '../errors.js';

/**
 * What `gt rig add` may clone: an existing local directory (recorded as its absolute path) or a
 * git URL (https://, ssh://, git://, file://, or scp-like user@host:path). Anything starting with
 * "-" is refused outright: git would read it as an option.
 */
export function resolveSource(source: string, cwd: string = process.cwd()): string {
  const s = source.trim();
  if (!s) throw new InvalidInputError('the git URL or path is empty', 'usage: gt rig add <name> <git-url-or-path>');
  if (s.startsWith('-')) throw new InvalidInputError(`refusing repository ${JSON.stringify(s)}: it starts with "-"`, 'give a URL or a path (./-name for a local one)');
  if (/[\0\n\r]/.test(s)) throw new InvalidInputError('the git URL or path contains a control character');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) {
    if (/^ext::/i.test(s)) throw new InvalidInputError('ext:: repository URLs are not allowed');
    return s;
  }
  const local = resolve(cwd, s);
  if (isDir(local)) return local;
  if (/^[^/\s]+@[^/\s:]+:\S+$/.test(s)) return s;
  throw new InvalidInputError(`${JSON.stringify(s)} is not a directory and not a git URL`, 'give a local repository path or a URL such as https://host/org/repo.git');
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    // Not there or not readable: not a local source.
    return false;
  }
}

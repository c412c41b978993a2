import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, writeSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { writeFileAtomicSync } from '../fsx/atomic.js';
import { openAppendNoFollow } from '../fsx/append.js';
import { lstatExists, readTextBounded } from '../fsx/read.js';

/**
 * Instruction files gt writes into an agent's working directory (AGENTS.md for Codex and
 * OpenCode, GEMINI.md for Gemini): the role's instructions where the CLI looks for them. gt
 * writes only files it owns (marked on their first line), never a project's own file, and keeps
 * each out of the user's commits by listing it in the repository's .git/info/exclude.
 */

export const GT_FILE_MARKER = '<!-- gt: role instructions written by gt for this agent; not part of the project (listed in .git/info/exclude) -->';
const EXCLUDE_HEADER = '# gt: agent instruction files, written by gt and never committed';
const MAX_PROJECT_FILE_BYTES = 256 * 1024;

export interface PrimingFileResult {
  /** The file written (absolute). */
  path: string;
  /** The repository's exclude file that lists it, when the directory is in a git work tree. */
  excludedIn?: string;
}

/**
 * A small regular file in an agent's work tree (agents write there: it may be a FIFO, a link or
 * huge), read through the one door; undefined when missing or not such a file.
 */
function workTreeText(path: string): { text?: string; missing: boolean } {
  try {
    const r = readTextBounded(path, { cap: MAX_PROJECT_FILE_BYTES, noFollow: true });
    return r.ok ? { text: r.text, missing: false } : { missing: r.missing };
  } catch {
    return { missing: false };
  }
}

/** Is this file one gt wrote (or absent)? A project's own file is never overwritten. */
export function isGtOwned(path: string): boolean {
  const r = workTreeText(path);
  if (r.missing && !lstatExists(path)) return true;
  return r.text !== undefined && r.text.slice(0, GT_FILE_MARKER.length + 2).startsWith(GT_FILE_MARKER);
}

/** A project's own instruction file (e.g. a tracked AGENTS.md), for a CLI that reads one file in its place. */
export function projectFileText(path: string): string | undefined {
  const r = workTreeText(path);
  if (r.text === undefined || r.text.startsWith(GT_FILE_MARKER)) return undefined;
  return r.text;
}


/** The work tree's top level and its shared git dir, or undefined outside a work tree. */
function gitDirs(dir: string): { top: string; common: string } | undefined {
  try {
    const out = execFileSync('git', ['-C', dir, 'rev-parse', '--path-format=absolute', '--show-toplevel', '--git-common-dir'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 10_000,
    });
    const [top, common] = out.trim().split('\n');
    return top && common ? { top, common } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * List `file` (absolute, inside `dir`'s work tree) in the repository's info/exclude, once. For a
 * linked worktree that is the main repository's file, shared by all its worktrees: every polecat
 * worktree of a rig then ignores the same gt files, which is what we want.
 */
export function excludeFromGit(dir: string, file: string): string | undefined {
  const g = gitDirs(dir);
  if (!g) return undefined;
  const rel = relative(g.top, file);
  if (rel.startsWith('..')) return undefined;
  const pattern = `/${rel.split('\\').join('/')}`;
  const exclude = join(g.common, 'info', 'exclude');
  // The repository is the agents' to write in: read and append only a regular file, never
  // through a link, never blocking on a FIFO.
  const r = readTextBounded(exclude, { cap: 'config', noFollow: true });
  if (!r.ok && !r.missing) return undefined;
  const cur = r.ok ? r.text : '';
  if (cur.split('\n').includes(pattern)) return exclude;
  mkdirSync(dirname(exclude), { recursive: true });
  const sep = cur === '' || cur.endsWith('\n') ? '' : '\n';
  let fd: number;
  try {
    fd = openAppendNoFollow(exclude);
  } catch {
    return undefined;
  }
  try {
    writeSync(fd, `${sep}${cur.includes(EXCLUDE_HEADER) ? '' : `${EXCLUDE_HEADER}\n`}${pattern}\n`);
  } finally {
    closeSync(fd);
  }
  return exclude;
}

/** Write gt's instruction file `name` in `dir` (only over a file gt owns) and keep it out of git. */
export function writePrimingFile(dir: string, name: string, instructions: string): PrimingFileResult {
  const path = join(dir, name);
  if (!isGtOwned(path)) throw new Error(`${path} belongs to the project; gt does not overwrite it`);
  // Excluded before it exists, so no `git add -A` can ever catch it.
  const excludedIn = excludeFromGit(dir, path);
  writeFileAtomicSync(path, `${GT_FILE_MARKER}\n\n${instructions.trimEnd()}\n`);
  return { path, ...(excludedIn ? { excludedIn } : {}) };
}

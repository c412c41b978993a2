import { lstatSync } from 'node:fs';
import { readTextBounded } from '../fsx/read.js';
import { join } from 'node:path';
import { writeFileAtomicSync } from '../fsx/atomic.js';
import { messageOf } from '../errors.js';

/**
 * Claude Code's own state file (`~/.claude.json`, or `$CLAUDE_CONFIG_DIR/.claude.json`) holds
 * which directories a person trusted. gt settles the trust dialog itself only for the directories
 * it created for its agents (the town decided to run agents there), and only through this, the
 * CLI's own trust entry: `projects[<dir>].hasTrustDialogAccepted = true`. Nothing else in the
 * file is touched; login, onboarding and API-key choices stay with the person.
 */

const MAX_BYTES = 64 * 1024 * 1024;

/** The file Claude Code reads in an agent with this environment (the HOME the agent sees). */
export function claudeConfigFile(env: Readonly<Record<string, string | undefined>>): string | undefined {
  if (env.CLAUDE_CONFIG_DIR) return join(env.CLAUDE_CONFIG_DIR, '.claude.json');
  return env.HOME ? join(env.HOME, '.claude.json') : undefined;
}

export type TrustOutcome = { changed: boolean; file: string } | { changed: false; file?: string; problem: string };

/**
 * Mark `dir` trusted in Claude's state file. Idempotent: a directory already trusted is not
 * rewritten. A file that is not valid JSON is left alone (reported), never replaced.
 */
export function trustClaudeDirectory(env: Readonly<Record<string, string | undefined>>, dir: string): TrustOutcome {
  const file = claudeConfigFile(env);
  if (!file) return { changed: false, problem: 'no HOME to find ~/.claude.json in' };
  let data: Record<string, unknown> = {};
  let mode = 0o600;
  let text: string | undefined;
  try {
    const st = lstatSync(file);
    if (!st.isFile()) return { changed: false, file, problem: `${file} is not a regular file; left alone` };
    mode = st.mode & 0o777;
    // Through the one door: a file swapped for a FIFO or a link since the lstat is refused too.
    const r = readTextBounded(file, { cap: MAX_BYTES, noFollow: true });
    if (r.ok) text = r.text;
    else if (!r.missing) return { changed: false, file, problem: `${file} ${r.invalid}; left alone` };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return { changed: false, file, problem: `cannot read ${file}: ${messageOf(e)}` };
  }
  if (text !== undefined) {
    try {
      const parsed = JSON.parse(text) as unknown;
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not a JSON object');
      data = parsed as Record<string, unknown>;
    } catch (e) {
      return { changed: false, file, problem: `${file} is not valid JSON (${messageOf(e)}); left alone` };
    }
  }
  const projects = (typeof data.projects === 'object' && data.projects !== null && !Array.isArray(data.projects) ? data.projects : {}) as Record<string, unknown>;
  const entry = (typeof projects[dir] === 'object' && projects[dir] !== null ? projects[dir] : {}) as Record<string, unknown>;
  if (entry.hasTrustDialogAccepted === true) return { changed: false, file };
  data.projects = { ...projects, [dir]: { ...entry, hasTrustDialogAccepted: true } };
  writeFileAtomicSync(file, `${JSON.stringify(data, null, 2)}\n`, mode);
  return { changed: true, file };
}

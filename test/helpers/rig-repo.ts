/**
 * Git fixtures for the rig tests: real repositories in temp dirs. Identity is set per repository
 * (`git config` in the repo, or `-c` for one commit), never globally.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const ID = ['-c', 'user.name=Rig Test', '-c', 'user.email=rig-test@example.invalid'];

/** Run git in `cwd` (argv, no shell); returns trimmed stdout. */
export function gitIn(cwd: string, args: string[]): string {
  return execFileSync('git', [...ID, ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** A source repository with one commit on `branch`, plus the given files. */
export function makeSourceRepo(dir: string, opts: { branch?: string; files?: Record<string, string> } = {}): string {
  mkdirSync(dir, { recursive: true });
  execFileSync('git', ['init', '-q', '-b', opts.branch ?? 'main', dir]);
  gitIn(dir, ['config', 'user.name', 'Rig Test']);
  gitIn(dir, ['config', 'user.email', 'rig-test@example.invalid']);
  const files = opts.files ?? { 'README.md': '# source\n' };
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  gitIn(dir, ['add', '-A']);
  gitIn(dir, ['commit', '-q', '-m', 'initial']);
  return dir;
}

/** Write files in a worktree and commit them there. Returns the new commit. */
export function commitFiles(worktree: string, files: Record<string, string>, message = 'work'): string {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(worktree, name)), { recursive: true });
    writeFileSync(join(worktree, name), text);
  }
  gitIn(worktree, ['add', '-A']);
  gitIn(worktree, ['commit', '-q', '-m', message]);
  return gitIn(worktree, ['rev-parse', 'HEAD']);
}

import { existsSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import type { SimpleGit } from 'simple-git';
import { GtError, InvalidInputError } from '../errors.js';
import { AGENT_NAME_RE } from '../names.js';
import type { TownLayout } from '../town/layout.js';
import { readRigs, requireRig } from './registry.js';
import { git, gitStep, mainBranch, refExists, revParse } from './git.js';

/**
 * Worktrees of a rig's canonical clone (`<rig>/mayor/rig`). Every worktree shares the clone's
 * refs, so a polecat's commits on `polecat/<name>` are visible to the refinery at once.
 */

export function polecatBranch(name: string): string {
  return `polecat/${name}`;
}

function canonical(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    // Not there (any more): compare the resolved path.
    return resolve(p);
  }
}

/** The worktree paths git has registered for this clone (the clone itself included). */
export async function worktreePaths(g: SimpleGit): Promise<string[]> {
  const out = await g.raw(['worktree', 'list', '--porcelain']);
  return out
    .split('\n')
    .filter((l) => l.startsWith('worktree '))
    .map((l) => canonical(l.slice('worktree '.length)));
}

/**
 * The refinery's worktree: DETACHED at the main branch. main itself stays checked out in the
 * canonical clone (a branch can be checked out in only one worktree); the refinery merges in its
 * own detached worktree and then fast-forwards main inside the canonical clone (see mq.ts), which
 * keeps the clone's working tree and index in step with main.
 */
export async function createRefineryWorktree(layout: TownLayout, rig: string, main: string): Promise<string> {
  const path = layout.refineryWorktree(rig);
  await gitStep(`rig ${rig}: cannot create the refinery worktree`, () => git(layout.rigClone(rig)).raw(['worktree', 'add', '--detach', path, main]));
  return path;
}

/**
 * Is `path` still a usable git checkout of its own (not a plain directory inside some other
 * repository)? `git status` reads the worktree's gitdir link, its index and its files (running the
 * repository's fsmonitor hook if it has one): a worktree whose admin directory was pruned fails
 * here instead of an agent being started in a broken checkout, and a repository that hangs hangs
 * here, where the caller bounds it with `signal`.
 */
export async function checkWorktree(path: string, signal?: AbortSignal): Promise<void> {
  const check = async () => {
    const g = git(path, [], { signal });
    const top = (await g.raw(['rev-parse', '--show-toplevel'])).trim();
    if (canonical(top) !== canonical(path)) throw new GtError('IO', `${path} is not a git worktree (git found the repository ${top})`);
    await g.raw(['status', '--porcelain', '--untracked-files=no']);
  };
  await gitStep(`${path} is not a usable git worktree`, () => untilAborted(check(), signal));
}

/**
 * `p`, or a rejection as soon as `signal` aborts. simple-git kills git on abort but settles only
 * when git's output pipes close, and a hook git started (fsmonitor) may hold them open for ever.
 */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error('git did not answer in time (cancelled)'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

export interface PolecatWorktree {
  path: string;
  branch: string;
  /** The main branch it was made from, and that branch's commit at the time. */
  base: string;
  baseCommit: string;
}

function assertPolecatName(name: string): void {
  if (!AGENT_NAME_RE.test(name)) {
    throw new InvalidInputError(`invalid polecat name ${JSON.stringify(name)}`, 'use letters, digits, "-" or "_", starting with a letter or digit');
  }
}

/**
 * Create `<rig>/polecats/<name>` as a worktree on a new branch `polecat/<name>` from main.
 * A leftover branch of that name is reused only if it is fully merged into main (then it is
 * reset to main); unmerged work on it is never thrown away.
 */
export async function createPolecatWorktree(layout: TownLayout, rig: string, name: string): Promise<PolecatWorktree> {
  assertPolecatName(name);
  requireRig(readRigs(layout), rig);
  const clone = layout.rigClone(rig);
  const path = layout.polecatWorktree(rig, name);
  const branch = polecatBranch(name);
  if (existsSync(path)) {
    throw new GtError('CONFLICT', `polecat ${rig}/${name} already has a worktree at ${path}`, { hint: `remove it first (gt sling picks a free name)` });
  }
  const g = git(clone);
  const main = await mainBranch(clone);
  // A worktree whose directory was deleted by hand still holds its branch until pruned.
  await gitStep(`rig ${rig}: git worktree prune`, () => g.raw(['worktree', 'prune']));
  let create = '-b';
  if (await refExists(g, `refs/heads/${branch}`)) {
    if (!(await isMerged(g, branch, main))) {
      throw new GtError('CONFLICT', `branch ${branch} in rig ${rig} has commits that are not on ${main}`, {
        hint: `merge it (gt mq process ${rig}) or delete it: git -C ${clone} branch -D ${branch}`,
      });
    }
    create = '-B';
  }
  await gitStep(`rig ${rig}: cannot create the worktree of polecat ${name}`, () => g.raw(['worktree', 'add', create, branch, path, main]));
  return { path, branch, base: main, baseCommit: await revParse(g, main) };
}

export interface RemovePolecatResult {
  /** A registered worktree was removed. */
  removed: boolean;
  /** The branch was deleted (only with deleteBranch, and only when merged into main). */
  branchDeleted: boolean;
}

/**
 * Remove a polecat's worktree (uncommitted changes in it go with it: a polecat's work counts once
 * it is committed on its branch). The branch stays by default: the merge queue may still need it.
 * With `deleteBranch`, it is deleted only if main already contains it.
 */
export async function removePolecatWorktree(
  layout: TownLayout,
  rig: string,
  name: string,
  opts: { deleteBranch?: boolean } = {},
): Promise<RemovePolecatResult> {
  assertPolecatName(name);
  requireRig(readRigs(layout), rig);
  const clone = layout.rigClone(rig);
  const path = layout.polecatWorktree(rig, name);
  const g = git(clone);
  const registered = (await worktreePaths(g)).includes(canonical(path));
  if (!registered && existsSync(path)) {
    throw new GtError('CONFLICT', `${path} is not a worktree of rig ${rig}; not removing it`, { hint: 'look at it and remove it by hand if it is not needed' });
  }
  if (registered) {
    await gitStep(`rig ${rig}: cannot remove the worktree of polecat ${name}`, () => g.raw(['worktree', 'remove', '--force', path]));
  }
  await gitStep(`rig ${rig}: git worktree prune`, () => g.raw(['worktree', 'prune']));
  let branchDeleted = false;
  const branch = polecatBranch(name);
  if (opts.deleteBranch && (await refExists(g, `refs/heads/${branch}`))) {
    const main = await mainBranch(clone);
    if (await isMerged(g, branch, main)) {
      await gitStep(`rig ${rig}: cannot delete branch ${branch}`, () => g.raw(['branch', '-D', branch]));
      branchDeleted = true;
    }
  }
  return { removed: registered, branchDeleted };
}

/** Is every commit of `branch` already on `main`? */
export async function isMerged(g: SimpleGit, branch: string, main: string): Promise<boolean> {
  // Counted, not `merge-base --is-ancestor`: simple-git cannot see a bare exit status.
  const n = (await g.raw(['rev-list', '--count', `refs/heads/${main}..refs/heads/${branch}`])).trim();
  return n === '0';
}

import type { SimpleGit } from 'simple-git';
import { GtError } from '../errors.js';
import { git, gitReason, gitStep, refExists, revParse } from './git.js';

/**
 * One merge of a branch into the rig's main branch. The merge itself happens in the refinery's
 * detached worktree, never on main: main moves only at the end, by a fast-forward to the merge
 * commit. A conflict or any failure therefore leaves main exactly where it was.
 */

export type MergeOutcome =
  | { status: 'merged'; commit: string; already: boolean }
  | { status: 'conflict'; files: string[]; main: string }
  | { status: 'failed'; error: string; main: string };

export interface MergeInput {
  clone: string;
  refinery: string;
  main: string;
  branch: string;
  message: string;
  /** `-c` options for the refinery's git (identity when the clone has none). */
  config: string[];
}

async function commitCount(g: SimpleGit, range: string): Promise<number> {
  return Number((await g.raw(['rev-list', '--count', range])).trim());
}

/** The worktree (path) that has `refs/heads/<main>` checked out, if any. */
async function checkedOutAt(g: SimpleGit, main: string): Promise<string | undefined> {
  const out = await g.raw(['worktree', 'list', '--porcelain']);
  let path: string | undefined;
  for (const line of out.split('\n')) {
    if (line.startsWith('worktree ')) path = line.slice('worktree '.length);
    else if (line === `branch refs/heads/${main}`) return path;
  }
  return undefined;
}

/** Put the refinery worktree back on main's commit, dropping any half-done merge. */
async function resetRefinery(gr: SimpleGit, commit: string): Promise<void> {
  if (await refExists(gr, 'MERGE_HEAD')) await gr.raw(['merge', '--abort']).catch(() => undefined);
  await gr.raw(['checkout', '--detach', '--force', commit]);
  // The refinery worktree is gt's own scratch space: stray files from a crashed run must not leak into merges.
  await gr.raw(['clean', '-fdq']);
}

export async function mergeBranch(m: MergeInput): Promise<MergeOutcome> {
  const gc = git(m.clone);
  const gr = git(m.refinery, m.config);
  const mainRef = `refs/heads/${m.main}`;
  const before = await gitStep(`cannot read ${m.main}`, () => revParse(gc, mainRef));
  if (!(await refExists(gc, `refs/heads/${m.branch}`))) {
    return { status: 'failed', error: `branch ${m.branch} does not exist`, main: before };
  }
  if ((await commitCount(gc, `${mainRef}..refs/heads/${m.branch}`)) === 0) {
    return { status: 'merged', commit: before, already: true };
  }
  await gitStep('cannot prepare the refinery worktree', () => resetRefinery(gr, before));

  let mergeError: unknown;
  try {
    await gr.raw(['merge', '--no-ff', '--no-edit', '-m', m.message, `refs/heads/${m.branch}`]);
  } catch (e) {
    mergeError = e;
  }
  // Conflicts are read from git's state, not from the exit status (which simple-git hides).
  if (await refExists(gr, 'MERGE_HEAD')) {
    const files = (await gr.raw(['diff', '--name-only', '--diff-filter=U'])).split('\n').filter(Boolean);
    await gitStep('cannot abort the conflicting merge', () => gr.raw(['merge', '--abort']));
    await assertUnchanged(gc, mainRef, before);
    return { status: 'conflict', files, main: before };
  }
  const head = await revParse(gr, 'HEAD');
  const contained = (await commitCount(gr, `${head}..refs/heads/${m.branch}`)) === 0;
  if (mergeError !== undefined || head === before || !contained) {
    await resetRefinery(gr, before).catch(() => undefined);
    await assertUnchanged(gc, mainRef, before);
    return { status: 'failed', error: mergeError !== undefined ? gitReason(mergeError) : 'the merge produced no commit', main: before };
  }

  // Fast-forward main to the merge commit. Where main is checked out (normally the canonical
  // clone) a --ff-only merge moves the ref, index and files together; if main moved meanwhile it
  // is not a fast-forward and nothing changes. Elsewhere update-ref with the old value is the CAS.
  try {
    const at = await checkedOutAt(gc, m.main);
    if (at) await git(at).raw(['merge', '--ff-only', '--quiet', head]);
    else await gc.raw(['update-ref', mainRef, head, before]);
  } catch (e) {
    await assertUnchanged(gc, mainRef, before);
    return { status: 'failed', error: `could not fast-forward ${m.main}: ${gitReason(e)}`, main: before };
  }
  const after = await revParse(gc, mainRef);
  if (after !== head) return { status: 'failed', error: `${m.main} is at ${after}, expected the merge commit ${head}`, main: after };
  return { status: 'merged', commit: head, already: false };
}

/** The invariant every non-merge outcome promises: main did not move. */
async function assertUnchanged(g: SimpleGit, mainRef: string, before: string): Promise<void> {
  const now = await revParse(g, mainRef);
  if (now !== before) throw new GtError('CONFLICT', `${mainRef} moved from ${before} to ${now} during a failed merge; check the rig's clone by hand`);
}

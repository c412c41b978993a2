import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { GtError } from '../../internal/errors.js';
import { installTown } from '../../internal/town/install.js';
import { townLayout, type TownLayout } from '../../internal/town/layout.js';
import { withLedger } from '../../internal/ledger/index.js';
import { addRig, conflictSubject, createPolecatWorktree, listQueue, processQueue, submit } from '../../internal/rig/index.js';
import { tempDir } from '../helpers/town.js';
import { commitFiles, gitIn, makeSourceRepo } from '../helpers/rig-repo.js';

// Merges must not depend on this box's global git identity: the refinery fills in its own when the
// clone has none. Commits in the test worktrees carry their identity with -c (helpers/rig-repo).
process.env.GIT_CONFIG_GLOBAL = '/dev/null';
process.env.GIT_CONFIG_NOSYSTEM = '1';

const dirs: string[] = [];
async function rigTown(files: Record<string, string> = { 'shared.txt': 'line 1\n' }): Promise<{ layout: TownLayout; clone: string }> {
  const dir = tempDir('gt-mq-');
  dirs.push(dir);
  const { root } = installTown(join(dir, 'town'), { agent: 'sim' });
  const layout = townLayout(root);
  await addRig(layout, 'r', makeSourceRepo(join(dir, 'src'), { files }));
  return { layout, clone: layout.rigClone('r') };
}
test.after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const inboxOf = (layout: TownLayout, addr: string) => withLedger(layout, (l) => l.inbox(addr));

test('a clean merge puts the file on main and marks the entry merged', async () => {
  const { layout, clone } = await rigTown();
  const wt = await createPolecatWorktree(layout, 'r', 'toast');
  commitFiles(wt.path, { 'feature.txt': 'from toast\n' });
  const entry = await submit(layout, 'r', { polecat: 'toast', bead: 'r-abc12' });
  assert.equal([entry.status, entry.branch, entry.source_bead, entry.rig], ['queued', 'polecat/toast', 'r-abc12', 'r']);
  assert.is((await submit(layout, 'r', { polecat: 'toast', bead: 'r-abc12' })).id, entry.id, 'a queued branch is queued once');
  assert.equal(listQueue(layout, 'r').map((e) => e.id), [entry.id]);

  const res = await processQueue(layout, 'r');
  assert.is(res.main_branch, 'main');
  assert.equal(res.processed.map((p) => [p.id, p.status]), [[entry.id, 'merged']]);
  const mainHead = gitIn(clone, ['rev-parse', 'main']);
  assert.is(res.processed[0]!.commit, mainHead);
  assert.is(gitIn(clone, ['show', 'main:feature.txt']), 'from toast');
  assert.is(readFileSync(join(clone, 'feature.txt'), 'utf8'), 'from toast\n', "the clone's working tree follows main");
  assert.is(gitIn(clone, ['status', '--porcelain']), '', 'canonical clone stays clean');
  assert.is(gitIn(clone, ['log', '-1', '--format=%an', 'main']), 'gt refinery', 'fallback identity used when none is configured');
  const [after] = listQueue(layout, 'r');
  assert.equal([after!.status, after!.merged_commit], ['merged', mainHead]);
  assert.equal(listQueue(layout, 'r', { status: 'queued' }), []);
  assert.equal((await processQueue(layout, 'r')).processed, [], 'nothing left to do');
  assert.equal(inboxOf(layout, 'r/witness'), [], 'no mail for a clean merge');
});

test('a conflict leaves main unchanged, marks the entry conflict and mails the witness exactly once', async () => {
  const { layout, clone } = await rigTown();
  const a = await createPolecatWorktree(layout, 'r', 'ace');
  const b = await createPolecatWorktree(layout, 'r', 'bob');
  commitFiles(a.path, { 'shared.txt': 'ace was here\n' });
  commitFiles(b.path, { 'shared.txt': 'bob was here\n' });
  const ea = await submit(layout, 'r', { polecat: 'ace', bead: 'r-aaaaa' });
  const eb = await submit(layout, 'r', { polecat: 'bob', bead: 'r-bbbbb' });

  const res = await processQueue(layout, 'r');
  assert.equal(res.processed.map((p) => [p.id, p.status]), [
    [ea.id, 'merged'],
    [eb.id, 'conflict'],
  ]);
  const mainAfterAce = res.processed[0]!.commit!;
  assert.is(gitIn(clone, ['rev-parse', 'main']), mainAfterAce, 'the conflict did not move main');
  assert.is(gitIn(clone, ['show', 'main:shared.txt']), 'ace was here');
  assert.is(gitIn(clone, ['status', '--porcelain']), '');
  const refinery = layout.refineryWorktree('r');
  assert.is(gitIn(refinery, ['status', '--porcelain']), '', 'refinery worktree left clean (merge aborted)');
  assert.equal(res.processed[1]!.conflict_files, ['shared.txt']);

  const mail = inboxOf(layout, 'r/witness');
  assert.is(mail.length, 1, 'exactly one mail');
  assert.is(mail[0]!.subject, conflictSubject('r', 'bob', 'polecat/bob'));
  assert.is(mail[0]!.subject, 'MERGE_CONFLICT: r/bob polecat/bob');
  assert.is(mail[0]!.from, 'r/refinery');
  for (const part of ['r-bbbbb', 'polecat/bob', 'shared.txt']) assert.ok(mail[0]!.body.includes(part), `body names ${part}`);
  const entry = listQueue(layout, 'r').find((e) => e.id === eb.id)!;
  assert.equal([entry.status, entry.conflict_files], ['conflict', ['shared.txt']]);

  await processQueue(layout, 'r');
  assert.is(inboxOf(layout, 'r/witness').length, 1, 'processing again sends no second mail');
  assert.is(gitIn(clone, ['rev-parse', 'main']), mainAfterAce);
});

test('a conflict as the first entry: main keeps its original commit', async () => {
  const { layout, clone } = await rigTown();
  const before = gitIn(clone, ['rev-parse', 'main']);
  const wt = await createPolecatWorktree(layout, 'r', 'cat');
  commitFiles(wt.path, { 'shared.txt': 'cat\n' });
  // Main moves after the polecat branched, touching the same line.
  commitFiles(clone, { 'shared.txt': 'main moved\n' });
  const moved = gitIn(clone, ['rev-parse', 'main']);
  assert.is.not(moved, before);
  await submit(layout, 'r', { polecat: 'cat', bead: 'r-ccccc' });
  const res = await processQueue(layout, 'r');
  assert.is(res.processed[0]!.status, 'conflict');
  assert.is(gitIn(clone, ['rev-parse', 'main']), moved, 'main ref unchanged');
  assert.is(inboxOf(layout, 'r/witness').filter((m) => m.subject.startsWith('MERGE_CONFLICT:')).length, 1);
});

test('submit validates its input and the branch', async () => {
  const { layout } = await rigTown();
  const err = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (e) {
      assert.ok(e instanceof GtError);
      return (e as GtError).code;
    }
    return 'no error';
  };
  assert.is(await err(submit(layout, 'r', { polecat: 'ghost', bead: 'r-x1' })), 'NOT_FOUND', 'branch must exist');
  assert.is(await err(submit(layout, 'r', { polecat: '../x', bead: 'r-x1' })), 'INVALID_INPUT');
  assert.is(await err(submit(layout, 'r', { polecat: 'x', bead: 'r-x1', branch: '--force' })), 'INVALID_INPUT');
  assert.is(await err(submit(layout, 'r', { polecat: 'x', bead: 'not a bead' })), 'INVALID_INPUT');
  assert.is(await err(submit(layout, 'nope', { polecat: 'x', bead: 'r-x1' })), 'NOT_FOUND');
});

test.run();

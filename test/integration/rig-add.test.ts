import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GtError } from '../../internal/errors.js';
import { installTown } from '../../internal/town/install.js';
import { townLayout, type TownLayout } from '../../internal/town/layout.js';
import { withLedger } from '../../internal/ledger/index.js';
import { addRig, createPolecatWorktree, listRigs, removePolecatWorktree, setRigState } from '../../internal/rig/index.js';
import { tempDir } from '../helpers/town.js';
import { commitFiles, gitIn, makeSourceRepo } from '../helpers/rig-repo.js';

const dirs: string[] = [];
function freshTown(): { layout: TownLayout; dir: string } {
  const dir = tempDir('gt-rig-add-');
  dirs.push(dir);
  const { root } = installTown(join(dir, 'town'), { agent: 'sim' });
  return { layout: townLayout(root), dir };
}
test.after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function failure(p: Promise<unknown>): Promise<GtError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof GtError, `not a GtError: ${String(e)}`);
    assert.not.match((e as GtError).line, '\n', 'one line');
    return e as GtError;
  }
  throw new Error('expected a failure');
}
const rigsJson = (l: TownLayout) => JSON.parse(readFileSync(l.rigsFile, 'utf8')) as { version: number; rigs: Record<string, any> };
const stagingLeft = (l: TownLayout) => (existsSync(join(l.runtimeDir, 'rig-add')) ? readdirSync(join(l.runtimeDir, 'rig-add')) : []);

test('rig add from a local repo: clone, detached refinery worktree on main, dirs, entry, agent beads', async () => {
  const { layout, dir } = freshTown();
  const src = makeSourceRepo(join(dir, 'src'), { branch: 'trunk', files: { 'a.txt': 'a\n' } });
  const r = await addRig(layout, 'my-proj', src);
  assert.is(r.prefix, 'mp');
  assert.is(r.main_branch, 'trunk');
  const clone = layout.rigClone('my-proj');
  assert.is(readFileSync(join(clone, 'a.txt'), 'utf8'), 'a\n');
  assert.is(gitIn(clone, ['symbolic-ref', '--short', 'HEAD']), 'trunk', 'the clone stays on main');
  const ref = layout.refineryWorktree('my-proj');
  assert.is(gitIn(ref, ['rev-parse', '--abbrev-ref', 'HEAD']), 'HEAD', 'refinery worktree is detached');
  assert.is(gitIn(ref, ['rev-parse', 'HEAD']), gitIn(clone, ['rev-parse', 'trunk']));
  assert.ok(gitIn(clone, ['worktree', 'list']).includes(ref));
  assert.ok(statSync(layout.witnessDir('my-proj')).isDirectory());
  assert.ok(statSync(layout.polecatsDir('my-proj')).isDirectory());
  const entry = rigsJson(layout).rigs['my-proj'];
  assert.equal({ git_url: entry.git_url, prefix: entry.prefix, state: entry.state }, { git_url: src, prefix: 'mp', state: 'active' });
  const beads = withLedger(layout, (l) => [l.getAgentBead('mp-my-proj-witness'), l.getAgentBead('mp-my-proj-refinery')]);
  assert.equal(beads.map((b) => [b?.address, b?.agent_state, b?.rig]), [
    ['my-proj/witness', 'idle', 'my-proj'],
    ['my-proj/refinery', 'idle', 'my-proj'],
  ]);
  assert.equal(r.agent_beads, ['mp-my-proj-witness', 'mp-my-proj-refinery']);
  assert.equal(stagingLeft(layout), [], 'no staging left behind');
  const listed = await listRigs(layout);
  assert.equal(listed.map((x) => [x.name, x.prefix, x.state, x.main_branch, x.agent]), [['my-proj', 'mp', 'active', 'trunk', null]]);
});

test('a failed clone leaves nothing: no rig dir, no entry, no beads, no staging', async () => {
  const { layout, dir } = freshTown();
  const notRepo = join(dir, 'not-a-repo');
  mkdirSync(notRepo);
  const before = readFileSync(layout.rigsFile, 'utf8');
  const e = await failure(addRig(layout, 'broken', notRepo));
  assert.is(e.code, 'IO');
  assert.match(e.message, 'cannot clone');
  assert.not.ok(existsSync(layout.rigDir('broken')));
  assert.is(readFileSync(layout.rigsFile, 'utf8'), before);
  assert.equal(stagingLeft(layout), []);
  const beads = withLedger(layout, (l) => l.listBeads({ type: 'agent' }));
  assert.equal(beads, []);
});

test('an empty repository is refused and leaves nothing', async () => {
  const { layout, dir } = freshTown();
  const empty = join(dir, 'empty');
  gitIn(dir, ['init', '-q', empty]);
  const e = await failure(addRig(layout, 'empty', empty));
  assert.match(e.message, 'has no commits');
  assert.not.ok(existsSync(layout.rigDir('empty')));
  assert.equal(rigsJson(layout).rigs, {});
  assert.equal(stagingLeft(layout), []);
});

test('a failure after the rig is in place (ledger unusable) is rolled back completely', async () => {
  const { layout, dir } = freshTown();
  const src = makeSourceRepo(join(dir, 'src'));
  mkdirSync(layout.beadsDir, { recursive: true });
  writeFileSync(layout.ledgerFile, 'this is not a sqlite database, just text that is long enough to have a header'.repeat(20));
  const e = await failure(addRig(layout, 'doomed', src));
  assert.match(e.message, 'not a valid SQLite database');
  assert.not.ok(existsSync(layout.rigDir('doomed')), 'rig dir removed');
  assert.equal(rigsJson(layout).rigs, {}, 'entry removed');
  assert.equal(stagingLeft(layout), []);
});

test('duplicate name, duplicate or reserved prefix, reserved name and unknown agent are refused', async () => {
  const { layout, dir } = freshTown();
  const src = makeSourceRepo(join(dir, 'src'));
  await addRig(layout, 'one', src, { prefix: 'one', agent: 'sim' });
  assert.is(rigsJson(layout).rigs.one.agent, 'sim');
  assert.is((await failure(addRig(layout, 'one', src))).code, 'CONFLICT');
  assert.match((await failure(addRig(layout, 'two', src, { prefix: 'one' }))).message, 'already used by rig one');
  assert.match((await failure(addRig(layout, 'two', src, { prefix: 'hq' }))).message, 'reserved');
  assert.match((await failure(addRig(layout, 'mayor', src))).message, 'taken by the town');
  const bad = await failure(addRig(layout, 'two', src, { agent: 'nosuch' }));
  assert.match(bad.message, 'unknown agent runtime');
  assert.match(bad.line, 'sim');
  mkdirSync(layout.rigDir('stray'));
  assert.match((await failure(addRig(layout, 'stray', src))).message, 'not a registered rig');
  assert.equal(Object.keys(rigsJson(layout).rigs), ['one']);
});

test('park / dock / unpark / undock round trip', async () => {
  const { layout, dir } = freshTown();
  await addRig(layout, 'r', makeSourceRepo(join(dir, 'src')));
  const state = async () => (await listRigs(layout))[0]!.state;
  assert.equal(await setRigState(layout, 'r', 'park'), { name: 'r', from: 'active', state: 'parked', changed: true });
  assert.is(await state(), 'parked');
  assert.is((await setRigState(layout, 'r', 'park')).changed, false);
  assert.match((await failure(setRigState(layout, 'r', 'undock'))).line, 'gt rig unpark r');
  await setRigState(layout, 'r', 'unpark');
  assert.is(await state(), 'active');
  await setRigState(layout, 'r', 'dock');
  assert.is(await state(), 'docked');
  assert.match((await failure(setRigState(layout, 'r', 'unpark'))).line, 'gt rig undock r');
  assert.match((await failure(setRigState(layout, 'r', 'park'))).line, 'gt rig undock r');
  await setRigState(layout, 'r', 'undock');
  assert.is(await state(), 'active');
  assert.is((await failure(setRigState(layout, 'nope', 'park'))).code, 'NOT_FOUND');
});

test('polecat worktree: create on polecat/<name> from main, remove keeps the branch, unmerged branch is protected', async () => {
  const { layout, dir } = freshTown();
  await addRig(layout, 'r', makeSourceRepo(join(dir, 'src')));
  const clone = layout.rigClone('r');
  const main = gitIn(clone, ['rev-parse', 'main']);
  const wt = await createPolecatWorktree(layout, 'r', 'toast');
  assert.equal(wt, { path: layout.polecatWorktree('r', 'toast'), branch: 'polecat/toast', base: 'main', baseCommit: main });
  assert.is(gitIn(wt.path, ['symbolic-ref', '--short', 'HEAD']), 'polecat/toast');
  assert.is(gitIn(wt.path, ['rev-parse', 'HEAD']), main);
  assert.is((await failure(createPolecatWorktree(layout, 'r', 'toast'))).code, 'CONFLICT', 'second create of the same polecat');

  const work = commitFiles(wt.path, { 'w.txt': 'work\n' });
  assert.is(gitIn(clone, ['rev-parse', 'polecat/toast']), work, 'the branch lives in the canonical clone');
  assert.equal(await removePolecatWorktree(layout, 'r', 'toast', { deleteBranch: true }), { removed: true, branchDeleted: false });
  assert.not.ok(existsSync(wt.path));
  assert.is(gitIn(clone, ['rev-parse', 'polecat/toast']), work, 'unmerged branch kept');
  assert.not.ok(gitIn(clone, ['worktree', 'list']).includes(wt.path));
  const again = await failure(createPolecatWorktree(layout, 'r', 'toast'));
  assert.is(again.code, 'CONFLICT');
  assert.match(again.message, 'not on main');

  // Once merged, the leftover branch is reused (reset to main) and can be deleted.
  gitIn(clone, ['merge', '-q', '--ff-only', 'polecat/toast']);
  const wt2 = await createPolecatWorktree(layout, 'r', 'toast');
  assert.is(gitIn(wt2.path, ['rev-parse', 'HEAD']), gitIn(clone, ['rev-parse', 'main']));
  assert.equal(await removePolecatWorktree(layout, 'r', 'toast', { deleteBranch: true }), { removed: true, branchDeleted: true });
  assert.is(gitIn(clone, ['branch', '--list', 'polecat/toast']), '');
  assert.equal(await removePolecatWorktree(layout, 'r', 'toast'), { removed: false, branchDeleted: false }, 'idempotent');
  assert.is((await failure(createPolecatWorktree(layout, 'r', '../evil'))).code, 'INVALID_INPUT');
  assert.is((await failure(createPolecatWorktree(layout, 'nope', 'x'))).code, 'NOT_FOUND');
});

test.run();

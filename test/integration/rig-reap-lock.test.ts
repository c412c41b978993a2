import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { lockExclusive } from '../../internal/fsx/flock.js';
import { withLedger } from '../../internal/ledger/index.js';
import { addRig, createPolecatWorktree } from '../../internal/rig/index.js';
import { reapPolecat } from '../../internal/rig/reap.js';
import { readRigs } from '../../internal/rig/registry.js';
import { Tmux } from '../../internal/tmux/index.js';
import { installTown } from '../../internal/town/install.js';
import { townLayout } from '../../internal/town/layout.js';
import { tempDir } from '../helpers/town.js';
import { gitIn, makeSourceRepo } from '../helpers/rig-repo.js';

process.env.GIT_CONFIG_GLOBAL = '/dev/null';
process.env.GIT_CONFIG_NOSYSTEM = '1';

const dirs: string[] = [];
test.after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/**
 * A reap frees a polecat's name (worktree removed, branch deleted, bead nuked) under the rig's
 * sling lock, the lock gt sling holds while it picks a name and makes the worktree. Without it a
 * sling could pick the name after the worktree was removed and before the branch was deleted,
 * and then fail on the branch vanishing under it (bench/queue.bench.ts at 200 beads uncapped).
 */
test('a reap waits for the sling lock before it removes the worktree, deletes the branch and frees the name', async () => {
  const dir = tempDir('gt-reap-lock-');
  dirs.push(dir);
  const { root } = installTown(join(dir, 'town'), { agent: 'sim' });
  const layout = townLayout(root);
  await addRig(layout, 'r', makeSourceRepo(join(dir, 'src')));
  const prefix = readRigs(layout).rigs.r!.prefix;
  const wt = await createPolecatWorktree(layout, 'r', 'slit');
  const agent = withLedger(layout, (l) => l.upsertAgentBead({ address: 'r/polecats/slit', prefix, session: `${prefix}-slit`, agent_state: 'done' }));
  const state = () => withLedger(layout, (l) => l.getAgentBead(agent.id)?.agent_state);
  const branch = () => gitIn(layout.rigClone('r'), ['for-each-ref', '--format=%(refname:short)', 'refs/heads/polecat/slit']);
  // No tmux server on this socket: the polecat's session is already gone.
  const tmux = new Tmux(`gt-test-reaplock-${process.pid}`);

  const held = await lockExclusive(join(layout.polecatsDir('r'), '.sling.lock'), 5_000);
  assert.ok(held, 'the test holds the sling lock, as a gt sling picking a name would');
  let settled = false;
  const reap = reapPolecat(layout, tmux, 'r', 'slit').finally(() => (settled = true));
  // While the lock is held, for a generous while: nothing of the polecat may be freed.
  const until = Date.now() + 1_500;
  while (Date.now() < until) {
    assert.ok(existsSync(wt.path), 'worktree still there while a sling holds the lock');
    assert.is(branch().trim(), 'polecat/slit', 'branch still there while a sling holds the lock');
    assert.is(state(), 'done', 'name not freed while a sling holds the lock');
    assert.not.ok(settled);
    await new Promise((r) => setTimeout(r, 50));
  }
  held!.release();
  const r = await reap;
  assert.equal([r.worktree_removed, r.branch_deleted], [true, true]);
  assert.not.ok(existsSync(wt.path));
  assert.is(branch(), '');
  assert.is(state(), 'nuked');
});

/** polecats.keep_done: the reap ends the session and frees the slot, and keeps the work tree and branch. */
test('a reap with keep (polecats.keep_done) frees the slot but keeps the worktree and the branch', async () => {
  const dir = tempDir('gt-reap-keep-');
  dirs.push(dir);
  const { root } = installTown(join(dir, 'town'), { agent: 'sim' });
  const layout = townLayout(root);
  await addRig(layout, 'r', makeSourceRepo(join(dir, 'src')));
  const prefix = readRigs(layout).rigs.r!.prefix;
  const wt = await createPolecatWorktree(layout, 'r', 'slit');
  const agent = withLedger(layout, (l) => l.upsertAgentBead({ address: 'r/polecats/slit', prefix, session: `${prefix}-slit`, agent_state: 'done' }));
  const r = await reapPolecat(layout, new Tmux(`gt-test-reapkeep-${process.pid}`), 'r', 'slit', { keep: true });
  assert.equal([r.worktree_removed, r.branch_deleted], [false, false]);
  assert.ok(existsSync(wt.path), 'worktree kept');
  assert.is(gitIn(layout.rigClone('r'), ['for-each-ref', '--format=%(refname:short)', 'refs/heads/polecat/slit']).trim(), 'polecat/slit', 'branch kept');
  assert.is(withLedger(layout, (l) => l.getAgentBead(agent.id)?.agent_state), 'nuked', 'the slot is free');
});

test.run();

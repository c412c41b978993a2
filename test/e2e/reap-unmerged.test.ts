import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withLedger } from '../../internal/ledger/index.js';
import { townLayout } from '../../internal/town/layout.js';
import { gt, makeTown, waitFor, type TempTown } from '../helpers/town.js';
import { gitIn, makeSourceRepo } from '../helpers/rig-repo.js';

/**
 * A polecat whose merge failed, with a commit main does not have, is never reaped: its witness
 * gets one POLECAT_NOT_REAPED mail for the episode, however many ticks look at it. gt polecat nuke
 * refuses it without --force and removes everything with it.
 */

let town: TempTown;
const run = (args: string[]) => gt([...args, '--town', town.root]);
const json = async (args: string[]) => {
  const r = await run([...args, '--json']);
  assert.is(r.code, 0, `gt ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout);
};

test.before(async () => {
  town = await makeTown({
    agent: 'sim',
    settings: { daemon: { recovery_interval: '1s' }, roles: { mayor: { enabled: false } }, polecats: { idle_reap: '1s' } },
    // No refinery: the test merges by hand, into a conflict.
    daemonSettings: { env: { GT_SIM_HEARTBEAT_INTERVAL: '300ms' }, patrols: { deacon: { enabled: false }, witness: { enabled: false }, refinery: { enabled: false }, boot: { enabled: false } } },
  });
  makeSourceRepo(join(town.root, '..', 'src'));
});
test.after(async () => {
  await town.cleanup();
});

test('a polecat with an unmerged commit (its merge conflicted) is never reaped; one mail to its witness; nuke needs --force', async () => {
  assert.is((await run(['rig', 'add', 'shop', join(town.root, '..', 'src'), '--prefix', 'sh'])).code, 0);
  assert.is((await run(['daemon', 'start'])).code, 0);
  const layout = townLayout(town.root);
  const bead = withLedger(layout, (l) => l.createBead({ prefix: 'sh', type: 'task', title: 'Conflicting work' }).id);
  const s = await run(['sling', bead, 'shop']);
  assert.is(s.code, 0, s.stderr);
  await waitFor('the polecat done', () => withLedger(layout, (l) => l.getAgentBead('sh-shop-polecat-furiosa')?.agent_state === 'done'), 60_000, 200);

  // main gets the same file with other content: the merge conflicts.
  const clone = join(town.root, 'shop', 'mayor', 'rig');
  mkdirSync(join(clone, 'work'), { recursive: true });
  writeFileSync(join(clone, 'work', `${bead}.md`), 'something else\n');
  gitIn(clone, ['add', 'work']);
  gitIn(clone, ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', 'main moves on']);
  const mq = await json(['mq', 'process', 'shop']);
  assert.is(mq.processed[0].status, 'conflict');

  const notReaped = async () =>
    (await json(['mail', 'inbox', 'shop/witness'])).filter((m: { subject: string }) => m.subject.startsWith('POLECAT_NOT_REAPED: shop/polecats/furiosa'));
  await waitFor('the witness told', async () => (await notReaped()).length > 0, 30_000, 200);
  // Many ticks later (the interval is 1s, idle_reap 1s): still there, still one mail.
  for (let i = 0; i < 5; i++) assert.is((await run(['daemon', 'tick'])).code, 0);
  await new Promise((r) => setTimeout(r, 2_000));
  const mails = await notReaped();
  assert.is(mails.length, 1, 'one mail per episode');
  assert.match(mails[0].subject, /merge conflict/);
  const worktree = join(town.root, 'shop', 'polecats', 'furiosa');
  assert.ok(existsSync(worktree), 'worktree kept');
  assert.match(gitIn(clone, ['branch', '--list', 'polecat/furiosa']), /polecat\/furiosa/, 'branch kept');
  const list = await json(['polecat', 'list', 'shop']);
  assert.equal(list.map((p: { identity: string; state: string }) => [p.identity, p.state]), [['shop/polecats/furiosa', 'done']]);
  assert.match(list[0].unmerged, /1 commit not on main/);

  const refused = await run(['polecat', 'nuke', 'shop/furiosa']);
  assert.is(refused.code, 1);
  assert.match(refused.stderr, /unmerged work: 1 commit not on main/);
  assert.match(refused.stderr, /--force/);
  assert.ok(existsSync(worktree));
  const bad = await run(['polecat', 'nuke', 'shop/../x']);
  assert.is(bad.code, 1);
  assert.match(bad.stderr, /not a polecat/);

  const forced = await json(['polecat', 'nuke', 'shop/furiosa', '--force']);
  assert.is(forced.worktree_removed, true);
  assert.is(forced.branch_deleted, true);
  assert.ok(!existsSync(worktree));
  assert.is(gitIn(clone, ['branch', '--list', 'polecat/*']).trim(), '');
  assert.is((await json(['polecat', 'list', 'shop']))[0].state, 'nuked');
});

test.run();

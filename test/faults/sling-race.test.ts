import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gt, makeTown, townSocket, type TempTown } from '../helpers/town.js';
import { makeSourceRepo } from '../helpers/rig-repo.js';

let town: TempTown;
let socket: string;
const tmux = (...args: string[]) => spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });

test.before(async () => {
  town = await makeTown({ agent: 'sim', settings: { daemon: { recovery_interval: '10m' } } });
  socket = await townSocket(town.root);
  // Polecats that do not finish: the race is about hooking, not about the work.
  town.daemonSettings({ env: { GT_SIM_WORK: '0' } });
  makeSourceRepo(join(town.root, '..', 'src'));
  const add = await gt(['rig', 'add', 'race', join(town.root, '..', 'src'), '--prefix', 'rc', '--town', town.root]);
  if (add.code !== 0) throw new Error(add.stderr);
});
test.after(async () => {
  await gt(['down', '--town', town.root]);
  tmux('kill-server');
  await town.cleanup();
});

test('50 concurrent slings of one bead: exactly one polecat session and worktree; the rest exit 1 clearly', async () => {
  const bead = JSON.parse((await gt(['bead', 'create', '--rig', 'race', '--title', 'Contended', '--json', '--town', town.root])).stdout).id as string;
  const results = await Promise.all(Array.from({ length: 50 }, () => gt(['sling', bead, 'race', '--json', '--town', town.root], { timeoutMs: 180_000 })));
  const winners = results.filter((r) => r.code === 0);
  const losers = results.filter((r) => r.code !== 0);
  assert.is(winners.length, 1, winners.map((w) => w.stdout).join('\n'));
  for (const l of losers) {
    assert.is(l.code, 1);
    assert.match(l.stderr.trim(), /^gt: bead \S+ is already hooked/);
    assert.is(l.stderr.trim().split('\n').length, 1);
  }
  const won = JSON.parse(winners[0]!.stdout);
  const sessions = tmux('list-sessions', '-F', '#{session_name}').stdout.trim().split('\n').filter((s) => s.startsWith('rc-') && s !== 'rc-witness' && s !== 'rc-refinery');
  assert.equal(sessions, [won.session]);
  assert.equal(readdirSync(join(town.root, 'race', 'polecats')).filter((d) => !d.startsWith('.')), [won.polecat]);
  const hooked = JSON.parse((await gt(['agents', '--json', '--town', town.root])).stdout).filter((a: { hook: string | null }) => a.hook === bead);
  assert.is(hooked.length, 1);
});

test('a second bead goes to a second polecat with the next free name', async () => {
  const bead = JSON.parse((await gt(['bead', 'create', '--rig', 'race', '--title', 'Another', '--json', '--town', town.root])).stdout).id as string;
  const r = await gt(['sling', bead, 'race', '--json', '--town', town.root]);
  assert.is(r.code, 0, r.stderr);
  assert.is(JSON.parse(r.stdout).polecat, 'nux');
});

test.run();

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { gt, makeTown, readJson, townSocket, waitFor, type TempTown } from '../helpers/town.js';
import { gitIn, makeSourceRepo } from '../helpers/rig-repo.js';

let town: TempTown;
let socket: string;
const tmux = (...args: string[]) => spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });

test.before(async () => {
  town = await makeTown({ agent: 'sim', settings: { daemon: { recovery_interval: '10m' } } });
  socket = await townSocket(town.root);
  town.daemonSettings({ env: { GT_SIM_HEARTBEAT_INTERVAL: '500ms' } });
  makeSourceRepo(join(town.root, '..', 'src'));
});
test.after(async () => {
  await gt(['down', '--town', town.root]);
  tmux('kill-server');
  await town.cleanup();
});

test('rig add, sling, the sim polecat commits and runs gt done, the refinery merges it onto main', async () => {
  const add = await gt(['rig', 'add', 'shop', join(town.root, '..', 'src'), '--prefix', 'sh', '--town', town.root]);
  assert.is(add.code, 0, add.stderr);
  const up = await gt(['up', '--json', '--town', town.root]);
  assert.is(up.code, 0, up.stderr + up.stdout);
  assert.equal(JSON.parse(up.stdout).sessions.map((s: { session: string }) => s.session).sort(), ['hq-deacon', 'hq-mayor', 'sh-refinery', 'sh-witness']);

  const created = JSON.parse((await gt(['bead', 'create', '--rig', 'shop', '--title', 'Add the widget', '--json', '--town', town.root])).stdout);
  const s = await gt(['sling', created.id, 'shop', '--json', '--town', town.root]);
  assert.is(s.code, 0, s.stderr + s.stdout);
  const slung = JSON.parse(s.stdout);
  assert.is(slung.started, true);
  assert.is(slung.polecat, 'furiosa');
  assert.is(slung.session, 'sh-furiosa');
  assert.is(slung.branch, 'polecat/furiosa');
  assert.ok(existsSync(join(town.root, 'shop', 'polecats', 'furiosa', '.git')));

  const again = await gt(['sling', created.id, 'shop', '--town', town.root]);
  assert.is(again.code, 1);
  assert.match(again.stderr, /already (hooked|closed)/);

  // The polecat's sim reads its hook, commits, runs gt done; the refinery's sim merges.
  const clone = join(town.root, 'shop', 'mayor', 'rig');
  await waitFor('the work on main', () => gitIn(clone, ['ls-tree', '-r', '--name-only', 'main']).includes(`work/${created.id}.md`), 60_000, 250);
  const bead = JSON.parse((await gt(['bead', 'show', created.id, '--json', '--town', town.root])).stdout);
  assert.is(bead.status, 'closed');
  const agents = JSON.parse((await gt(['agents', '--json', '--town', town.root])).stdout) as Array<{ identity: string; state: string | null; hook: string | null }>;
  const furiosa = agents.find((a) => a.identity === 'shop/polecats/furiosa')!;
  // Done, and reaped once its work is on main (nuked).
  assert.ok(['done', 'nuked'].includes(furiosa.state ?? ''), String(furiosa.state));
  assert.is(furiosa.hook, null);
  await waitFor('the witness read its DONE mail', async () => {
    const all = JSON.parse((await gt(['mail', 'inbox', 'shop/witness', '--json', '--town', town.root])).stdout) as Array<{ subject: string; read: boolean }>;
    return all.some((m) => m.subject.startsWith('DONE: shop/polecats/furiosa') && m.read);
  }, 30_000, 250);
  // Done, then reaped (its work is on main): nothing (sling's own bookkeeping included) flips it
  // back to working.
  await new Promise((r) => setTimeout(r, 2000));
  const later = JSON.parse((await gt(['agents', '--json', '--town', town.root])).stdout) as Array<{ identity: string; state: string | null }>;
  assert.ok(['done', 'nuked'].includes(later.find((a) => a.identity === 'shop/polecats/furiosa')?.state ?? 'nuked'), JSON.stringify(later));
  const mq = JSON.parse((await gt(['mq', 'list', 'shop', '--json', '--town', town.root])).stdout) as Array<{ status: string; branch: string }>;
  assert.ok(mq.some((e) => e.branch === 'polecat/furiosa' && e.status === 'merged'));
});

test('the deacon sim records patrol heartbeats', async () => {
  await waitFor('deacon heartbeat', () => existsSync(join(town.root, 'deacon', 'heartbeat.json')) && readJson(join(town.root, 'deacon', 'heartbeat.json')).cycle >= 1, 30_000, 250);
});

test('a parked rig takes no slings; gt hook and gt done refuse outside a polecat', async () => {
  const b = JSON.parse((await gt(['bead', 'create', '--rig', 'shop', '--title', 'Later', '--json', '--town', town.root])).stdout);
  assert.is((await gt(['rig', 'park', 'shop', '--town', town.root])).code, 0);
  const r = await gt(['sling', b.id, 'shop', '--town', town.root]);
  assert.is(r.code, 1);
  assert.match(r.stderr, /rig shop is parked/);
  assert.is((await gt(['rig', 'unpark', 'shop', '--town', town.root])).code, 0);
  const hook = await gt(['hook', '--town', town.root], { env: { GT_ROLE: '' } });
  assert.is(hook.code, 1);
  const done = await gt(['done', '--town', town.root], { env: { GT_ROLE: 'mayor', GT_TOWN_ROOT: town.root } });
  assert.is(done.code, 1);
  assert.match(done.stderr, /inside a polecat session/);
  const missing = await gt(['sling', 'sh-nope', 'shop', '--town', town.root]);
  assert.is(missing.code, 1);
  assert.match(missing.stderr, /no bead sh-nope/);
});

test.run();

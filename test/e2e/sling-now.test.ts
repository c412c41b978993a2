/**
 * `gt sling --now` (issue 11): beyond the rig's cap a sling queues, and --now starts the polecat
 * anyway and says so; the queued bead stays queued, in `gt sling --list` and in the metrics'
 * gt_queue_depth. The refinery is off, so a done polecat keeps its slot (nothing is merged or
 * reaped) and the picture holds still while it is checked.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { gt, makeTown, townSocket, type TempTown } from '../helpers/town.js';
import { makeSourceRepo } from '../helpers/rig-repo.js';

let town: TempTown;
let socket: string;
const tmux = (...args: string[]) => spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
const ok = async (args: string[]) => {
  const r = await gt([...args, '--town', town.root], { timeoutMs: 90_000 });
  assert.is(r.code, 0, `gt ${args.join(' ')}: ${r.stderr}${r.stdout}`);
  return r.stdout;
};
const polecatSessions = () =>
  tmux('list-sessions', '-F', '#{session_name}')
    .stdout.split('\n')
    .filter((s) => s.startsWith('sh-') && s !== 'sh-witness' && s !== 'sh-refinery');

test.before(async () => {
  town = await makeTown({
    agent: 'sim',
    settings: { daemon: { recovery_interval: '10m' }, rigs: { shop: { max_polecats: 1 } }, roles: { mayor: { enabled: false }, refinery: { enabled: false } } },
  });
  socket = await townSocket(town.root);
  makeSourceRepo(join(town.root, '..', 'src'));
  await ok(['rig', 'add', 'shop', join(town.root, '..', 'src'), '--prefix', 'sh']);
  await ok(['daemon', 'start']);
});
test.after(async () => {
  await gt(['down', '--town', town.root]).catch(() => undefined);
  await town.cleanup();
});

test('beyond the cap a sling queues; --now starts anyway and says so; the queue depth shows in the metrics', async () => {
  const ids: string[] = [];
  for (const t of ['first', 'second', 'third']) ids.push((await ok(['bead', 'create', '--rig', 'shop', '--title', t])).trim());

  assert.match(await ok(['sling', ids[0]!, 'shop']), /^slung /m);
  const queued = await ok(['sling', ids[1]!, 'shop']);
  assert.match(queued, new RegExp(`^queued ${ids[1]} for shop: position 1 of 1 \\(1/1 polecats;`, 'm'));
  assert.equal(polecatSessions().length, 1, 'the queued bead started nothing');

  const now = await ok(['sling', ids[2]!, 'shop', '--now']);
  assert.match(now, /^gt: --now: starting beyond the cap of rig shop or the town/m);
  assert.match(now, new RegExp(`^slung ${ids[2]} to shop/polecats/`, 'm'));
  assert.equal(polecatSessions().length, 2, `two polecats at a cap of 1: ${polecatSessions().join(', ')}`);

  const list = JSON.parse(await ok(['sling', '--list', '--json']));
  assert.equal(
    list.queued.map((q: { id: string }) => q.id),
    [ids[1]],
  );
  assert.equal(list.rigs.find((r: { rig: string }) => r.rig === 'shop')?.polecats, 2);

  // The queue depth the daemon saw at its last tick.
  await ok(['daemon', 'tick']);
  const families = parsePrometheusTextFormat(await ok(['metrics'])) as Array<{ name: string; metrics: Array<{ value: string }> }>;
  const depth = families.find((f) => f.name === 'gt_queue_depth');
  assert.ok(depth, 'gt_queue_depth exported');
  assert.is(Number(depth!.metrics[0]!.value), 1);
});

test.run();

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withLedger } from '../../internal/ledger/index.js';
import { townLayout } from '../../internal/town/layout.js';
import { gt, makeTown, townSocket, waitFor, type TempTown } from '../helpers/town.js';
import { gitIn, makeSourceRepo } from '../helpers/rig-repo.js';

/**
 * Fifty beads slung to a rig capped at 3 (issue 11): never more than 3 polecats alive (sampled
 * all along), every bead done and merged to main, worktrees and branches gone afterwards, the
 * queue (and its order) unchanged across a daemon restart in the middle. The recovery interval
 * is 10 minutes: every dispatch comes from an event (a merge wakes the daemon, the reap frees the
 * slot in the same tick), never from the interval.
 */

const N = Number(process.env.GT_QUEUE_TEST_N ?? 50); // 50 in CI; smaller only to look at timings by hand
const CAP = 3;
let town: TempTown;
let socket: string;
/** The person's notifier: a command writing each event (JSON on stdin) into a file of its own here. */
const notified = mkdtempSync(join(tmpdir(), 'gt-notified-'));
const tmux = (...args: string[]) => spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
const json = async (args: string[]) => {
  const r = await gt([...args, '--json', '--town', town.root]);
  assert.is(r.code, 0, `gt ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout);
};

test.before(async () => {
  town = await makeTown({
    agent: 'sim',
    settings: {
      daemon: { recovery_interval: '10m' },
      rigs: { shop: { max_polecats: CAP } },
      roles: { mayor: { enabled: false } },
      notify: { command: ['/bin/sh', '-c', 'cat > "$0/n-$$.tmp" && mv "$0/n-$$.tmp" "$0/n-$$.json"', notified] },
    },
    daemonSettings: { env: { GT_SIM_HEARTBEAT_INTERVAL: '300ms' }, patrols: { deacon: { enabled: false }, witness: { enabled: true }, refinery: { enabled: true }, boot: { enabled: false } } },
  });
  socket = await townSocket(town.root);
  makeSourceRepo(join(town.root, '..', 'src'));
});
let stopSampling = () => {};
test.after(async () => {
  stopSampling();
  rmSync(notified, { recursive: true, force: true });
  if (process.env.GT_QUEUE_TEST_KEEP) return console.log(`kept ${town.root}`);
  await town.cleanup();
});

test(`${N} beads through a rig capped at ${CAP}: never more than ${CAP} alive, all merged, nothing left behind, the queue survives a daemon restart`, async () => {
  const t0 = Date.now();
  assert.is((await gt(['rig', 'add', 'shop', join(town.root, '..', 'src'), '--prefix', 'sh', '--town', town.root])).code, 0);
  const up = await gt(['up', '--town', town.root]);
  assert.is(up.code, 0, up.stderr + up.stdout);

  // The beads, straight into the ledger (fifty CLI starts would only cost time); the last five urgent.
  const layout = townLayout(town.root);
  const ids = withLedger(layout, (l) =>
    Array.from({ length: N }, (_, i) => l.createBead({ prefix: 'sh', type: 'task', title: `Work item ${i + 1}`, priority: i >= N - 5 ? 0 : 2 }).id),
  );

  // Sample the polecat sessions all along: never more than the cap.
  let maxAlive = 0;
  let samples = 0;
  let sampling = true;
  stopSampling = () => (sampling = false);
  const sampler = (async () => {
    while (sampling) {
      const r = tmux('list-sessions', '-F', '#{session_name}');
      if (r.status === 0) {
        const polecats = r.stdout.split('\n').filter((s) => s.startsWith('sh-') && s !== 'sh-witness' && s !== 'sh-refinery');
        maxAlive = Math.max(maxAlive, polecats.length);
        samples++;
      }
      await new Promise((res) => setTimeout(res, 100));
    }
  })();

  // Slung five at a time, concurrently: the cap holds between concurrent slings too.
  const outputs: string[] = [];
  for (let i = 0; i < N; i += 5) {
    const batch = await Promise.all(ids.slice(i, i + 5).map((id) => gt(['sling', id, 'shop', '--town', town.root])));
    for (const r of batch) {
      assert.is(r.code, 0, r.stderr + r.stdout);
      outputs.push(r.stdout);
    }
  }
  assert.ok(outputs.filter((o) => /^queued sh-\S+ for shop: position \d+ of \d+/.test(o)).length >= N - CAP - 5, 'beyond the cap, slings queue');
  // The queue in dispatch order: the urgent ones first.
  const listed = await json(['sling', '--list']);
  const urgent = new Set(ids.slice(N - 5));
  const queuedUrgent = listed.queued.filter((b: { id: string }) => urgent.has(b.id)).length;
  assert.ok(listed.queued.slice(0, queuedUrgent).every((b: { id: string }) => urgent.has(b.id)), 'priority 0 first');
  const status = await json(['status']);
  assert.ok(status.work.some((w: { status: string }) => w.status === 'queued'), 'gt status shows state queued');

  // A daemon restart in the middle: the queue, its order and the caps are the same after it.
  const closed = () => withLedger(layout, (l) => ids.filter((id) => l.getBead(id)?.status === 'closed').length);
  await waitFor("a third of the work done", () => closed() >= Math.ceil(N / 3), 300_000, 250);
  assert.is((await gt(['daemon', 'stop', '--town', town.root])).code, 0);
  const before = (await json(['sling', '--list'])).queued.map((b: { id: string }) => b.id);
  assert.ok(before.length > 0, 'work still queued at the restart');
  const start = await gt(['daemon', 'start', '--town', town.root]);
  assert.is(start.code, 0, start.stderr);
  // What the new daemon has not dispatched yet is the tail of the same queue: nothing lost, the order kept.
  const after = (await json(['sling', '--list'])).queued.map((b: { id: string }) => b.id);
  assert.ok(after.length >= before.length - CAP, 'the new daemon dispatches only into free slots');
  assert.equal(after, before.slice(before.length - after.length), 'the same queue, the same order');

  await waitFor(`all ${N} beads done`, () => closed() === N, 600_000, 500);
  const clone = join(town.root, 'shop', 'mayor', 'rig');
  await waitFor('every piece of work on main', () => {
    const files = new Set(gitIn(clone, ['ls-tree', '-r', '--name-only', 'main']).split('\n'));
    return ids.every((id) => files.has(`work/${id}.md`));
  }, 120_000, 500);
  await waitFor('every polecat reaped', () => withLedger(layout, (l) => l.listAgentBeads({ rig: 'shop' }).filter((a) => a.role === 'polecat').every((a) => a.agent_state === 'nuked')), 120_000, 250);
  await waitFor('no polecat session left', () => !tmux('list-sessions', '-F', '#{session_name}').stdout.split('\n').some((s) => s.startsWith('sh-') && s !== 'sh-witness' && s !== 'sh-refinery'), 60_000, 250);
  sampling = false;
  await sampler;

  assert.ok(samples > 50, `sampled all along (${samples} samples)`);
  assert.ok(maxAlive <= CAP, `at most ${CAP} polecats alive at once (saw ${maxAlive})`);
  assert.is(maxAlive, CAP, 'the cap was used');
  const worktrees = gitIn(clone, ['worktree', 'list', '--porcelain']).split('\n').filter((l) => l.startsWith('worktree ')).map((l) => l.slice(9));
  assert.equal(worktrees.filter((w) => w.includes('/polecats/')), [], 'no polecat worktree left');
  assert.is(gitIn(clone, ['branch', '--list', 'polecat/*']).trim(), '', 'no polecat branch left');
  const mq = await json(['mq', 'list', 'shop']);
  assert.is(mq.filter((e: { status: string }) => e.status === 'merged').length, N);
  assert.equal((await json(['sling', '--list'])).queued, []);
  const log = readFileSync(join(town.root, 'daemon', 'daemon.log'), 'utf8');
  // "All queued work done", told once per episode. The queue may really run empty between two of
  // the test's sling batches on a loaded box (every polecat done and reaped before the next batch):
  // a new episode begins when beads queue again, so between two QUEUE_DRAINED lines the daemon
  // must have dispatched something, and the last one comes after the last dispatch.
  const lines = log.split('\n');
  const drainedAt = lines.flatMap((l, i) => (l.includes('QUEUE_DRAINED: all queued work done') ? [i] : []));
  const dispatchedAt = lines.flatMap((l, i) => (/ dispatched sh-\S+ to /.test(l) ? [i] : []));
  assert.ok(drainedAt.length >= 1, 'all queued work done, told');
  for (let k = 1; k < drainedAt.length; k++) {
    assert.ok(dispatchedAt.some((d) => d > drainedAt[k - 1]! && d < drainedAt[k]!), `a second QUEUE_DRAINED with no new episode between:\n${lines.slice(drainedAt[k - 1], drainedAt[k]! + 1).join('\n')}`);
  }
  assert.ok(drainedAt.at(-1)! > dispatchedAt.at(-1)!, 'the last QUEUE_DRAINED comes after the last dispatch');
  // ... and the person heard each episode through the notifier, once.
  const drained = () =>
    readdirSync(notified)
      .filter((f) => f.endsWith('.json'))
      .map((f) => JSON.parse(readFileSync(join(notified, f), 'utf8')) as { kind: string })
      .filter((n) => n.kind === 'QUEUE_DRAINED');
  await waitFor('QUEUE_DRAINED notified', () => drained().length >= drainedAt.length, 20_000);
  assert.is(drained().length, drainedAt.length, 'one QUEUE_DRAINED notification per episode');
  console.log(`    ${N} beads through a cap of ${CAP}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
});

test.run();

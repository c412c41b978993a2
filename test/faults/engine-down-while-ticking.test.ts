/**
 * Fault 7: `gt down` while the daemon ticks fast and every death fires the fast path. Agents
 * ignore SIGHUP and leave setsid children. Afterwards: zero sessions, zero agent processes (the
 * escaped children included), zero daemons, and the daemon started nothing while gt down ran.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { faultTown, matching, type FaultTown } from '../helpers/engine-faults.js';
import { daemonPids, gt, pidsWithEnv, readJson, waitFor } from '../helpers/town.js';

let ft: FaultTown;
const ALL = ['hq-deacon', 'hq-mayor', 'dn-refinery', 'dn-witness'];

test.before(async () => {
  ft = await faultTown({
    settings: { daemon: { recovery_interval: '150ms' }, restart: { initial_backoff: '100ms', max_backoff: '200ms' } },
    env: { GT_SIM_IGNORE_SIGHUP: '1', GT_SIM_SETSID_CHILD: '1' },
  });
  await ft.addRig('downrig', 'dn');
});
test.after(async () => {
  await ft.teardown();
});

test('gt down during fast ticks: no sessions, no agent processes, no daemon; nothing (re)started meanwhile', async () => {
  await ft.gtOk(['daemon', 'start']);
  await waitFor('all sessions up', () => ALL.every((s) => ft.sessions().includes(s)), 20_000);
  // Every agent has forked its setsid child (its pid is in the heartbeat file).
  const children = await waitFor(
    'setsid children of every agent',
    () => {
      const pids = ALL.map((s) => readJson(join(ft.root, '.runtime', 'heartbeats', `${s}.json`)).child_pid as number | undefined);
      return pids.every((p) => typeof p === 'number') ? (pids as number[]) : undefined;
    },
    20_000,
  );
  const agentPids = pidsWithEnv('GT_TOWN_ROOT', ft.root);
  for (const c of children) assert.ok(agentPids.includes(c), `setsid child ${c} is one of the town's processes`);
  assert.ok(agentPids.length >= 8, `4 sims and 4 children at least, found ${agentPids.length}`);
  const [daemon] = daemonPids(ft.root);
  assert.type(daemon, 'number');
  await ft.waitTicks(3);

  const mark = ft.log().length;
  const ticksAtStart = ft.tickCount();
  const t0 = Date.now();
  const r = await gt(['down', '--json', '--town', ft.root], { timeoutMs: 60_000 });
  const downMs = Date.now() - t0;
  assert.is(r.code, 0, r.stderr + r.stdout);
  const out = JSON.parse(r.stdout);
  assert.equal(out.sessions, [...ALL].sort());
  assert.equal(out.remaining, []);
  assert.is(out.daemon, daemon);

  // The daemon was ticking while gt down ran, and its gate said so (once).
  const during = ft.log().slice(mark);
  const ticksDuring = ft.tickCount() - ticksAtStart;
  console.log(`figures: gt down took ${downMs}ms, ${ticksDuring} daemon ticks ran meanwhile, ${agentPids.length} agent processes before`);
  assert.ok(ticksDuring >= 1, `the daemon ticked during gt down (${ticksDuring} ticks)`);
  assert.is(matching(during, /shutdown\.lock is held \(gt down\): managing no agents/).length, 1, during.join('\n'));
  assert.equal(matching(during, /\b(started|restarted) [a-z]/), [], 'nothing was started while gt down ran');
  assert.ok(matching(during, /daemon stopped/).length === 1);

  assert.equal(ft.sessions(), []);
  await waitFor('every agent process gone (setsid children too)', () => pidsWithEnv('GT_TOWN_ROOT', ft.root).length === 0, 10_000);
  for (const c of children) assert.not.ok(pidsWithEnv('GT_TOWN_ROOT', ft.root).includes(c));
  assert.equal(daemonPids(ft.root), []);
  // Still nothing after a while: no stray daemon or late start brings anything back.
  const quiet = Date.now() + 1_000;
  await waitFor('a quiet second', () => Date.now() > quiet, 3_000);
  assert.equal(ft.sessions(), []);
  assert.equal(pidsWithEnv('GT_TOWN_ROOT', ft.root), []);
});

test.run();

/**
 * Fault 9: `tmux kill-server` of the town's server. No hook can fire when the server itself dies,
 * so the tick is the safety net: the daemon survives, one tick recreates every supervised session,
 * and the death hooks are installed on the new server (the fast path works again).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { faultTown, matching, type FaultTown } from '../helpers/engine-faults.js';
import { daemonPids, waitFor } from '../helpers/town.js';

let ft: FaultTown;
let daemon: number;
const ALL = ['hq-deacon', 'hq-mayor', 'ks-refinery', 'ks-witness'];
const IDS = ['deacon', 'mayor', 'killsrv/refinery', 'killsrv/witness'];

const alive = async (): Promise<boolean> => {
  const agents = JSON.parse(await ft.gtOk(['agents', '--json'])) as Array<{ identity: string; liveness: string }>;
  return IDS.every((id) => agents.find((a) => a.identity === id)?.liveness === 'alive');
};
const serverPid = (): number => Number(ft.tmux('display-message', '-p', '#{pid}').stdout.trim());
const hooksInstalled = (): boolean =>
  ['pane-exited', 'session-closed'].every((h) => {
    const line = ft.tmux('show-hooks', '-g', h).stdout;
    return line.startsWith(`${h}[`) && line.includes("'daemon' 'notify'") && line.includes(ft.root);
  });

test.before(async () => {
  // No timed tick during the first test: only the tick we ask for can recover the sessions.
  // Backoff shrunk: the agents were all started moments ago, and the default 30s backoff after
  // a start would (rightly) hold the recreation back.
  ft = await faultTown({ settings: { daemon: { recovery_interval: '1h' }, restart: { initial_backoff: '100ms', max_backoff: '200ms' } } });
  await ft.addRig('killsrv', 'ks');
  await ft.gtOk(['daemon', 'start']);
  await waitFor('all four agents alive', alive, 30_000);
  // The first tick (which started them) has finished and is on record.
  await waitFor('first tick done', () => ft.tickCount() >= 1, 30_000);
  await waitFor('death hooks installed', hooksInstalled, 10_000);
  [daemon] = daemonPids(ft.root) as [number];
});
test.after(async () => {
  await ft.teardown();
});

test('after kill-server, one tick recreates every session and re-installs the hooks; the daemon survives', async () => {
  const oldServer = serverPid();
  const mark = ft.log().length;
  ft.tmux('kill-server');
  await waitFor('the server gone', () => ft.sessions().length === 0, 5_000);
  assert.equal(daemonPids(ft.root), [daemon], 'the daemon survived');

  const tc0 = ft.tickCount();
  const r = JSON.parse(await ft.gtOk(['daemon', 'tick', '--json']));
  // Right after that one tick (no further tick in between: the interval is 1h).
  assert.equal(ft.sessions(), [...ALL].sort());
  assert.ok(r.tick_count - tc0 <= 2, `one requested tick (a tick the server's death may have queued aside): ${tc0} -> ${r.tick_count}`);
  await waitFor('agents alive in the recreated sessions', alive, 10_000);
  const newServer = serverPid();
  assert.is.not(newServer, oldServer);
  assert.ok(hooksInstalled(), 'hooks on the new server');
  const after = ft.log().slice(mark);
  for (const id of IDS) assert.is(matching(after, new RegExp(`\\bstarted ${id} \\(`)).length, 1, `${id} started once:\n${after.join('\n')}`);
  assert.is(matching(after, new RegExp(`death hooks on tmux server pid ${newServer}\\b`)).length, 1, after.join('\n'));
  assert.equal(matching(after, /tick failed|uncaught|unhandled/), []);
  assert.equal(daemonPids(ft.root), [daemon]);
});

test('the re-installed fast path works: a killed session comes back with no timed tick', async () => {
  const mark = ft.log().length;
  const tc0 = ft.tickCount();
  ft.tmux('kill-session', '-t', '=ks-witness');
  await waitFor('witness back through the fast path', () => ft.sessions().includes('ks-witness'), 15_000);
  await waitFor('witness start logged', () => matching(ft.log().slice(mark), /\bstarted killsrv\/witness\b/).length === 1, 10_000);
  assert.ok(matching(ft.log().slice(mark), /fast path: (session-closed|pane-exited)/).length >= 1, ft.log().slice(mark).join('\n'));
  await waitFor('the tick recorded', () => ft.tickCount() > tc0, 5_000);
});

test('with a short recovery_interval the timed tick alone recovers a killed server', async () => {
  ft.town.settings({ daemon: { recovery_interval: '1500ms' } });
  const mark = ft.log().length;
  process.kill(daemon, 'SIGHUP');
  await waitFor('settings reloaded', () => matching(ft.log().slice(mark), /SIGHUP: settings reloaded \(recovery_interval 1500ms\)/).length === 1, 10_000);
  await ft.waitTicks(1);
  const oldServer = serverPid();
  const t0 = Date.now();
  ft.tmux('kill-server');
  await waitFor('every session recreated by the timed tick', () => ft.sessions().length === ALL.length, 15_000);
  const recreatedMs = Date.now() - t0;
  await waitFor('agents alive', alive, 10_000);
  await waitFor('hooks on the new server', hooksInstalled, 10_000);
  console.log(`figures: sessions recreated ${recreatedMs}ms after kill-server (recovery_interval 1500ms)`);
  // At most one interval plus one tick's start-up time.
  assert.ok(recreatedMs < 1500 + 6_000, `${recreatedMs}ms`);
  assert.is.not(serverPid(), oldServer);
  assert.equal(daemonPids(ft.root), [daemon]);
});

test.run();

/**
 * Fault 3 (issue 5): idle is not hung. A deacon whose heartbeat goes stale (the sim hangs:
 * GT_SIM_HANG, so no deacon/heartbeat.json is written) while no work is in flight anywhere gets
 * zero nudges and zero kills over many ticks, even far past very_stale_after. Once work is in
 * flight (a polecat holds an open hook), the same stale deacon is nudged exactly once per stale
 * episode and restarted when very stale.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GT_BIN, gt, makeTown, readJson, townSocket, waitFor, type TempTown } from '../helpers/town.js';
import { makeSourceRepo } from '../helpers/rig-repo.js';

let town: TempTown;
let socket: string;
const tmux = (...args: string[]) => spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
const logLines = () => readFileSync(join(town.root, 'daemon', 'daemon.log'), 'utf8').split('\n').filter(Boolean);
const tickCount = () => readJson(join(town.root, 'daemon', 'state.json')).tick_count as number;
const deaconPanePid = () => tmux('display-message', '-p', '-t', '=hq-deacon:', '#{pane_pid}').stdout.trim();
const nudges = (lines = logLines()) => lines.filter((l) => /nudged deacon/.test(l));
const restarts = (lines = logLines()) => lines.filter((l) => /(re)?started deacon|kill.* deacon|killed deacon/.test(l));

const STALE = 1500;
const VERY_STALE = 6000;

test.before(async () => {
  town = await makeTown({
    agent: 'sim',
    settings: {
      daemon: { recovery_interval: '250ms' },
      deacon: { grace: '500ms', stale_after: `${STALE}ms`, very_stale_after: `${VERY_STALE}ms` },
      restart: { initial_backoff: '200ms' },
      // The deacon is a sim that hangs at once: it never writes deacon/heartbeat.json.
      agents: { hangsim: { command: process.execPath, args: [GT_BIN, 'sim'], process_names: ['gt-sim'], env: { GT_SIM_HANG: '1' } } },
      roles: { deacon: { agent: 'hangsim' }, mayor: { enabled: false } },
    },
  });
  socket = await townSocket(town.root);
  // the polecat keeps its hook (work in flight)
  town.daemonSettings({ env: { GT_SIM_WORK: '0' }, patrols: { witness: { enabled: false }, refinery: { enabled: false } } });
  makeSourceRepo(join(town.root, '..', 'src'));
  const add = await gt(['rig', 'add', 'shop', join(town.root, '..', 'src'), '--prefix', 'sh', '--town', town.root]);
  if (add.code !== 0) throw new Error(add.stderr);
});

test.after(async () => {
  await gt(['down', '--town', town.root]);
  tmux('kill-server');
  await town.cleanup();
});

test('idle: a hung deacon with no work in flight is never nudged or killed, even very stale', async () => {
  const start = await gt(['daemon', 'start', '--town', town.root]);
  assert.is(start.code, 0, start.stderr);
  await waitFor('the deacon started', () => logLines().some((l) => /started deacon/.test(l)), 15_000, 100);
  await waitFor('the deacon pane', () => /^\d+$/.test(deaconPanePid()), 5_000);
  const pid = deaconPanePid();
  // The log line comes mid-tick; the restart state is saved when the tick ends.
  const lastStart = (await waitFor('the recorded start', () => readJson(join(town.root, 'daemon', 'restart_state.json')).agents?.deacon?.lastStart, 15_000, 100)) as number;
  const ticks0 = tickCount();
  // Past very_stale_after (measured from the deacon's start: it never beat) and at least 10 ticks.
  await waitFor('very stale and many ticks', () => Date.now() > lastStart + VERY_STALE + 1000 && tickCount() >= ticks0 + 10, 40_000, 100);
  console.log(`  idle: ${tickCount() - ticks0} ticks, deacon silent for ${Date.now() - lastStart}ms`);
  assert.equal(nudges(), []);
  assert.is(restarts().length, 1, restarts().join('\n')); // its first start only
  assert.is(deaconPanePid(), pid, 'the same deacon process');
  assert.match(tmux('capture-pane', '-p', '-t', '=hq-deacon:').stdout, /hanging \(GT_SIM_HANG\)/);
});

test('work in flight: the stale deacon is nudged once, then restarted when very stale', async () => {
  // One last beat, then work appears (a polecat with an open hook).
  const hb = await gt(['deacon', 'heartbeat', '--json', '--town', town.root]);
  assert.is(hb.code, 0, hb.stderr);
  const beat = Date.parse(JSON.parse(hb.stdout).timestamp);
  const mark = logLines().length;
  const bead = JSON.parse((await gt(['bead', 'create', '--rig', 'shop', '--title', 'Work', '--json', '--town', town.root])).stdout).id as string;
  const s = await gt(['sling', bead, 'shop', '--json', '--town', town.root]);
  assert.is(s.code, 0, s.stderr + s.stdout);
  const pid = deaconPanePid();

  const restartLine = await waitFor('the very stale deacon restarted', () => logLines().slice(mark).find((l) => /restarted deacon \(heartbeat very stale/.test(l)), 20_000, 100);
  const restartedAt = Date.parse(restartLine.slice(0, 24));
  const before = logLines().slice(mark).filter((l) => Date.parse(l.slice(0, 24)) < restartedAt);
  const n = nudges(before);
  assert.is(n.length, 1, `one nudge in the stale episode:\n${n.join('\n')}`);
  const nudgedAt = Date.parse(n[0]!.slice(0, 24));
  console.log(`  work in flight: nudged ${nudgedAt - beat}ms and restarted ${restartedAt - beat}ms after the last beat`);
  assert.ok(nudgedAt - beat >= STALE, `nudged ${nudgedAt - beat}ms after the beat`);
  assert.ok(restartedAt - beat >= VERY_STALE, `restarted ${restartedAt - beat}ms after the beat`);
  assert.match(n[0]!, /HEALTH_CHECK: /);
  await waitFor('a new deacon process', () => /^\d+$/.test(deaconPanePid()) && deaconPanePid() !== pid, 10_000);
  await gt(['daemon', 'stop', '--town', town.root]);
});

test.run();

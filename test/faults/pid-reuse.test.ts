import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { daemonPids, gt, makeTown, waitFor, type TempTown } from '../helpers/town.js';
import { pidRunning } from '../../internal/fsx/proc.js';

let town: TempTown;
let bystander: ChildProcess | undefined;
test.before(async () => {
  town = await makeTown({ settings: { daemon: { recovery_interval: '1s' } } });
});
test.after(async () => {
  if (bystander?.pid && pidRunning(bystander.pid)) bystander.kill('SIGKILL');
  await town.cleanup();
});

test('kill -9, then an unrelated process in daemon.pid: status 3, stop spares it, start works first time', async () => {
  // No keeper: this test needs the killed daemon to stay dead (daemon-keeper.test.ts covers the revival).
  const s = await gt(['daemon', 'start', '--town', town.root], { env: { GT_DAEMON_KEEPER: '0' } });
  assert.is(s.code, 0, s.stderr);
  const pidFile = join(town.root, 'daemon', 'daemon.pid');
  const [oldPid, oldNonce] = readFileSync(pidFile, 'utf8').trim().split('\n');
  process.kill(Number(oldPid), 'SIGKILL');
  await waitFor('daemon gone', () => !pidRunning(Number(oldPid)));

  // A long-lived process we started, standing where a recycled pid would.
  bystander = spawn('sleep', ['600'], { stdio: 'ignore' });
  const victim = bystander.pid!;
  writeFileSync(pidFile, `${victim}\n${oldNonce}\n`);

  const st = await gt(['daemon', 'status', '--town', town.root]);
  assert.is(st.code, 3, st.stdout + st.stderr);
  assert.match(st.stdout, /daemon is not running/);
  const pid = await gt(['daemon', 'pid', '--town', town.root]);
  assert.is(pid.code, 3);

  const stop = await gt(['daemon', 'stop', '--town', town.root]);
  assert.is(stop.code, 0, 'stopping a stopped daemon is not an error (LSB)');
  assert.match(stop.stdout, /daemon is not running/);
  assert.ok(pidRunning(victim), 'the unrelated process was not signalled');

  const start = await gt(['daemon', 'start', '--town', town.root]);
  assert.is(start.code, 0, start.stderr);
  assert.match(start.stdout, /^daemon started \(pid \d+\)/);
  const newPid = Number(/pid (\d+)/.exec(start.stdout)![1]);
  assert.is.not(newPid, victim);
  assert.equal(daemonPids(town.root), [newPid]);
  assert.ok(pidRunning(victim), 'still alive after start');

  const stop2 = await gt(['daemon', 'stop', '--town', town.root]);
  assert.is(stop2.code, 0);
  assert.ok(pidRunning(victim), 'still alive after a real stop');
});

test('a corrupt state.json and a garbage pid file do not confuse status or start', async () => {
  writeFileSync(join(town.root, 'daemon', 'state.json'), '{"running": tr');
  writeFileSync(join(town.root, 'daemon', 'daemon.pid'), 'not a pid');
  const st = await gt(['daemon', 'status', '--town', town.root]);
  assert.is(st.code, 3);
  const start = await gt(['daemon', 'start', '--town', town.root]);
  assert.is(start.code, 0, start.stderr);
  const st2 = await gt(['daemon', 'status', '--json', '--town', town.root]);
  assert.is(st2.code, 0);
  assert.is(JSON.parse(st2.stdout).running, true);
});

test.run();

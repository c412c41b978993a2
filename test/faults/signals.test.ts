import { test } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { daemonPids, gt, makeTown, readJson, waitFor, type TempTown } from '../helpers/town.js';
import { pidRunning } from '../../internal/fsx/proc.js';

let town: TempTown;
let pid: number;
const state = () => readJson(join(town.root, 'daemon', 'state.json'));

test.before(async () => {
  // A long interval and no agents to supervise (so no deadline either, such as a failed start's
  // retry): any extra tick seen here came from a signal, not the timer.
  town = await makeTown({ settings: { daemon: { recovery_interval: '10m' }, roles: { mayor: { enabled: false } } }, daemonSettings: { patrols: { deacon: { enabled: false } } } });
  const r = await gt(['daemon', 'start', '--town', town.root]);
  if (r.code !== 0) throw new Error(r.stderr);
  pid = Number(/pid (\d+)/.exec(r.stdout)![1]);
  await waitFor('first tick', () => state().tick_count >= 1);
});
test.after(async () => town.cleanup());

function debuggerListening(): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(9229, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

test('kill -USR1 runs exactly one extra tick and opens no debugger port', async () => {
  const before = state().tick_count;
  process.kill(pid, 'SIGUSR1');
  await waitFor('one extra tick', () => state().tick_count === before + 1);
  await new Promise((r) => setTimeout(r, 300));
  assert.is(state().tick_count, before + 1, 'no more than one');
  assert.not.ok(await debuggerListening(), 'nothing listens on 9229');
  assert.not.match(readFileSync(join(town.root, 'daemon', 'daemon.log'), 'utf8'), /Debugger listening/);
  assert.ok(pidRunning(pid));
});

test('a burst of USR1 signals coalesces into few ticks, never one per signal', async () => {
  const before = state().tick_count;
  for (let i = 0; i < 20; i++) process.kill(pid, 'SIGUSR1');
  await waitFor('a tick after the burst', () => state().tick_count > before);
  await new Promise((r) => setTimeout(r, 300));
  const extra = state().tick_count - before;
  assert.ok(extra >= 1 && extra < 20, `${extra} ticks for 20 signals`);
});

test('the control socket tick request runs a tick and answers after it', async () => {
  const before = state().tick_count;
  const r = await gt(['daemon', 'tick', '--json', '--town', town.root]);
  assert.is(r.code, 0, r.stderr);
  assert.ok(JSON.parse(r.stdout).tick_count > before);
});

test('HUP with a broken settings file keeps the daemon and the old interval; a fixed file is picked up', async () => {
  const file = join(town.root, 'settings', 'config.json');
  const good = readFileSync(file, 'utf8');
  writeFileSync(file, '{"daemon":{"recovery_interval":"whenever"}}');
  process.kill(pid, 'SIGHUP');
  await waitFor('the reload warning', () => /SIGHUP: kept the previous settings: settings\/config\.json: daemon\.recovery_interval/.test(readFileSync(join(town.root, 'daemon', 'daemon.log'), 'utf8')));
  assert.ok(pidRunning(pid));
  assert.is(state().recovery_interval_ms, 600_000);

  const fixed = JSON.parse(good);
  fixed.daemon.recovery_interval = '300ms';
  writeFileSync(file, JSON.stringify(fixed));
  process.kill(pid, 'SIGHUP');
  await waitFor('the new interval', () => state().recovery_interval_ms === 300);
  const t0 = state().tick_count;
  await waitFor('timed ticks at the new interval', () => state().tick_count >= t0 + 3, 15_000);
  assert.equal(daemonPids(town.root), [pid]);
});

test('TERM finishes cleanly: final state says not running, pid file and socket gone', async () => {
  process.kill(pid, 'SIGTERM');
  await waitFor('daemon exit', () => !pidRunning(pid));
  const s = state();
  assert.is(s.running, false);
  assert.type(s.stopped_at, 'string');
  const { existsSync } = await import('node:fs');
  assert.not.ok(existsSync(join(town.root, 'daemon', 'daemon.pid')));
  assert.not.ok(existsSync(join(town.root, 'daemon', 'control.sock')));
  const st = await gt(['daemon', 'status', '--town', town.root]);
  assert.is(st.code, 3);
});

test.run();

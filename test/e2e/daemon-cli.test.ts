import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { appendFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { GT_BIN, daemonPids, gt, makeTown, readJson, waitFor, type TempTown } from '../helpers/town.js';
import { pidRunning } from '../../internal/fsx/proc.js';

let town: TempTown;
test.before(async () => {
  town = await makeTown({ settings: { daemon: { recovery_interval: '10m' } } });
});
test.after(async () => town.cleanup());

test('start writes pid file, state and a 0600 control socket; pid and status agree', async () => {
  const r = await gt(['daemon', 'start', '--json', '--town', town.root]);
  assert.is(r.code, 0, r.stderr);
  const { started, pid } = JSON.parse(r.stdout);
  assert.is(started, true);
  const sock = statSync(join(town.root, 'daemon', 'control.sock'));
  assert.ok(sock.isSocket());
  assert.is(sock.mode & 0o777, 0o600);
  const [filePid, nonce] = (await import('node:fs')).readFileSync(join(town.root, 'daemon', 'daemon.pid'), 'utf8').trim().split('\n');
  assert.is(Number(filePid), pid);
  assert.match(nonce!, /^[0-9a-f]{16}$/);
  const state = readJson(join(town.root, 'daemon', 'state.json'));
  assert.is(state.running, true);
  assert.is(state.pid, pid);
  const p = await gt(['daemon', 'pid', '--town', town.root]);
  assert.is(p.stdout.trim(), String(pid));
  const st = await gt(['daemon', 'status', '--town', town.root]);
  assert.is(st.code, 0);
  assert.match(st.stdout, new RegExp(`daemon running \\(pid ${pid}\\)`));
  assert.match(st.stdout, /ticks\s+\d+/);
  assert.match(st.stdout, /log\s+.*daemon\.log/);
});

test('restart replaces the daemon with a new process', async () => {
  const before = Number((await gt(['daemon', 'pid', '--town', town.root])).stdout.trim());
  const r = await gt(['daemon', 'restart', '--json', '--town', town.root]);
  assert.is(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.is(out.stopped, before);
  assert.is.not(out.pid, before);
  assert.not.ok(pidRunning(before));
  assert.equal(daemonPids(town.root), [out.pid]);
});

test('logs -f follows new lines as the daemon writes them', async () => {
  const child = spawn(process.execPath, [GT_BIN, 'daemon', 'logs', '-n', '0', '-f', '--town', town.root], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  try {
    await new Promise((r) => setTimeout(r, 300));
    await gt(['daemon', 'tick', '--town', town.root]);
    await waitFor('the followed tick line', () => /tick \d+ \(control:cli\)/.test(out), 10_000);
    // Lines appended by anyone (here: us) are followed too.
    appendFileSync(join(town.root, 'daemon', 'daemon.log'), 'marker-line\n');
    await waitFor('the marker', () => out.includes('marker-line'), 10_000);
  } finally {
    child.kill('SIGTERM');
  }
});

test('stop reports the pid; a second stop is "not running" with exit 0 (LSB)', async () => {
  const pid = Number((await gt(['daemon', 'pid', '--town', town.root])).stdout.trim());
  const r = await gt(['daemon', 'stop', '--town', town.root]);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout.trim(), `daemon stopped (pid ${pid})`);
  const again = await gt(['daemon', 'stop', '--town', town.root]);
  assert.is(again.code, 0, again.stderr);
  assert.is(again.stdout.trim(), 'daemon is not running');
  assert.is(again.stderr, '');
  const json = await gt(['daemon', 'stop', '--json', '--town', town.root]);
  assert.is(json.code, 0);
  assert.equal(JSON.parse(json.stdout), { pid: null, forced: false, running: false, reason: 'daemon is not running' });
  const p = await gt(['daemon', 'pid', '--town', town.root]);
  assert.is(p.code, 3);
  assert.is(p.stdout, '');
});

test('a daemon that ignores TERM is killed after the grace period', async () => {
  const r = await gt(['daemon', 'start', '--town', town.root]);
  const pid = Number(/pid (\d+)/.exec(r.stdout)![1]);
  // SIGSTOP makes TERM pend and the socket go quiet, like a daemon stuck in a tick.
  process.kill(pid, 'SIGSTOP');
  const st = await gt(['daemon', 'status', '--json', '--town', town.root]);
  assert.is(st.code, 3);
  assert.is(JSON.parse(st.stdout).lock_holder, pid);
  const stop = await gt(['daemon', 'stop', '--grace', '500ms', '--town', town.root]);
  assert.is(stop.code, 0, stop.stderr);
  assert.match(stop.stdout, /killed after the grace period/);
  assert.not.ok(pidRunning(pid));
  assert.equal(daemonPids(town.root), []);
});

test.run();

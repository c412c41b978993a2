/**
 * `gt down` leaves nothing of the town running, the dashboard included: the process that holds
 * dashboard/dashboard.lock, that dashboard/dashboard.pid names and that is the town's dashboard by
 * its command line and start time is stopped (TERM, then KILL), and its port closes. A stale pid
 * file (a dead pid, a pid now used by a stranger) and a stranger holding the dashboard's lock are
 * left alone: gt down never kills a process it cannot prove is the town's.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { flockHolders, pidRunning, processStartTime } from '../../internal/fsx/proc.js';
import { startDashboard } from '../helpers/browser.js';
import { daemonPids, gt, makeTown, waitFor, type TempTown } from '../helpers/town.js';

let town: TempTown;
const children: ChildProcess[] = [];

test.before(async () => {
  town = await makeTown({ agent: 'sim', settings: { daemon: { recovery_interval: '10m' } } });
});
test.after(async () => {
  for (const c of children.splice(0)) {
    try {
      process.kill(-c.pid!, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  await gt(['dashboard', '--stop', '--town', town.root]).catch(() => undefined);
  await town.cleanup();
});

const lockFile = () => join(town.root, 'dashboard', 'dashboard.lock');
const pidFile = () => join(town.root, 'dashboard', 'dashboard.pid');

/** Does anything accept a TCP connection on 127.0.0.1:port? */
function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

/** A child this test started (its own process group, ended in test.after). */
function own(cmd: string, args: string[]): ChildProcess {
  const c = spawn(cmd, args, { stdio: 'ignore', detached: true });
  children.push(c);
  return c;
}

interface DownJson {
  sessions: string[];
  daemon: number | null;
  dashboard: number | null;
  remaining: string[];
  notes: string[];
}

async function downJson(): Promise<DownJson> {
  const r = await gt(['down', '--json', '--town', town.root], { timeoutMs: 90_000 });
  assert.is(r.code, 0, r.stderr + r.stdout);
  return JSON.parse(r.stdout) as DownJson;
}

test('gt down stops a running dashboard with the daemon and sessions: the process is gone, its port closed', async () => {
  const start = await gt(['daemon', 'start', '--town', town.root]);
  assert.is(start.code, 0, start.stderr);
  const dash = await startDashboard(town.root);
  assert.ok(pidRunning(dash.pid));
  assert.ok(await portOpen(dash.port), 'the dashboard serves before gt down');

  const out = await downJson();
  assert.is(out.dashboard, dash.pid);
  assert.equal(out.remaining, []);
  assert.equal(out.notes, []);
  assert.not.ok(pidRunning(dash.pid), 'the dashboard process is gone when gt down returns');
  assert.not.ok(await portOpen(dash.port), `port ${dash.port} is closed`);
  assert.equal(flockHolders(lockFile()), []);
  assert.equal(daemonPids(town.root), []);

  // The words, and a second gt down with nothing left.
  const again = await startDashboard(town.root);
  const text = await gt(['down', '--town', town.root], { timeoutMs: 90_000 });
  assert.is(text.code, 0, text.stderr);
  assert.match(text.stdout, new RegExp(`^dashboard stopped \\(pid ${again.pid}\\)$`, 'm'));
  assert.not.ok(pidRunning(again.pid));
  const none = await gt(['down', '--town', town.root], { timeoutMs: 90_000 });
  assert.is(none.code, 0, none.stderr);
  assert.match(none.stdout, /^dashboard was not running$/m);
});

test('a dashboard that does not stop on SIGTERM is killed, and gt down says so', async () => {
  const dash = await startDashboard(town.root);
  // Stopped, it cannot act on SIGTERM; SIGKILL still ends it.
  process.kill(dash.pid, 'SIGSTOP');
  const out = await downJson();
  assert.is(out.dashboard, dash.pid);
  assert.ok(out.notes.some((n) => n.includes(`dashboard (pid ${dash.pid}) did not stop on SIGTERM: killed`)), out.notes.join('\n'));
  assert.not.ok(pidRunning(dash.pid));
  assert.not.ok(await portOpen(dash.port));
});

test('a stale dashboard.pid (a dead pid, or a pid reused by a stranger) kills nothing', async () => {
  const dead = own('true', []);
  await new Promise((r) => dead.once('exit', r));
  writeFileSync(pidFile(), `${dead.pid}\n0123456789abcdef\n`);
  let out = await downJson();
  assert.is(out.dashboard, null);

  const stranger = own('sleep', ['600']);
  await waitFor('the sleep running', () => processStartTime(stranger.pid!));
  const born = processStartTime(stranger.pid!);
  writeFileSync(pidFile(), `${stranger.pid}\n0123456789abcdef\n`);
  out = await downJson();
  assert.is(out.dashboard, null);
  assert.equal(out.remaining, []);
  assert.ok(pidRunning(stranger.pid!), 'the stranger named by the stale pid file survives gt down');
  assert.is(processStartTime(stranger.pid!), born, 'the very same process');
});

test('a stranger holding dashboard.lock (named by dashboard.pid, or with no pid file) is not the dashboard: left alone at once, with a note', async () => {
  // flock(1) takes the lock itself (--close: sleep does not inherit it), as a backup script might.
  const holder = own('flock', ['--nonblock', '--close', lockFile(), 'sleep', '600']);
  await waitFor('flock holds dashboard.lock', () => flockHolders(lockFile()).includes(holder.pid!), 10_000);
  writeFileSync(pidFile(), `${holder.pid}\n0123456789abcdef\n`);

  const out = await downJson();
  assert.is(out.dashboard, null);
  assert.ok(out.notes.some((n) => /dashboard\/dashboard\.lock is held by pid \d+ is not a gt dashboard \(flock/.test(n)), out.notes.join('\n'));
  assert.ok(pidRunning(holder.pid!), 'gt down left the lock holder alone');

  const stop = await gt(['dashboard', '--stop', '--town', town.root]);
  assert.is(stop.code, 0, stop.stderr);
  assert.match(stop.stdout, /dashboard is not running/);
  assert.match(stop.stderr, /is not a gt dashboard/);
  assert.ok(pidRunning(holder.pid!), 'gt dashboard --stop left it alone too');

  // No pid file at all (as while a dashboard starts): the holder is judged by its command line,
  // not waited for, and still left alone.
  rmSync(pidFile());
  const t0 = Date.now();
  const bare = await downJson();
  assert.is(bare.dashboard, null);
  assert.equal(bare.remaining, []);
  assert.ok(bare.notes.some((n) => /is not a gt dashboard \(flock/.test(n)), bare.notes.join('\n'));
  assert.ok(pidRunning(holder.pid!), 'still alive');
  console.log(`figures: gt down with a stranger on dashboard.lock and no pid file took ${Date.now() - t0}ms`);
});

test.run();

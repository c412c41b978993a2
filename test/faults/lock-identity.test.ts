/**
 * Process identity a coincidence cannot spoof. Lock holders are matched by device AND inode
 * (two tmpfs mounts hand out the same inode numbers), and holding daemon/daemon.lock never makes
 * a process the daemon by itself: it must be a gt daemon of this town by its command line and
 * start time. `gt daemon stop` leaves every impostor alone (and exits 0: no daemon runs).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, gt, makeTown, tempDir, waitFor, type TempTown } from '../helpers/town.js';
import { mountTmpfs, unmountAll } from '../helpers/mounts.js';
import { fileId, flockHolders, parseFlockHolders, pidRunning } from '../../internal/fsx/proc.js';
import { whyNotDaemon } from '../../internal/daemon/identity.js';

const base = tempDir('gt-lockid-');
const children: ChildProcess[] = [];
let town: TempTown | undefined;

/** Each child leads its own process group (flock's sleep included): end the group. */
function endChildren(): void {
  for (const c of children.splice(0)) {
    try {
      process.kill(-c.pid!, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

test.after(async () => {
  endChildren();
  await town?.cleanup();
  unmountAll();
  rmSync(base, { recursive: true, force: true });
});

/** A process that holds flock on `file` (util-linux flock), once /proc/locks shows it. */
async function foreignHolder(file: string): Promise<ChildProcess> {
  // --close: sleep does not inherit the lock, so flock(1) itself is the one holder.
  const c = spawn('flock', ['--nonblock', '--close', file, 'sleep', '600'], { stdio: 'ignore', detached: true });
  children.push(c);
  await waitFor(`flock on ${file}`, () => flockHolders(file).includes(c.pid!), 10_000);
  return c;
}

function holderOf(file: string): number {
  const h = flockHolders(file);
  assert.is(h.length, 1, `one holder of ${file}: ${h.join(', ')}`);
  return h[0]!;
}

test('parseFlockHolders: the same inode on another device is not a holder; waiters are not holders', () => {
  const locks = ['1: FLOCK  ADVISORY  WRITE 100 00:2b:2 0 EOF', '1: -> FLOCK  ADVISORY  WRITE 101 00:2b:2 0 EOF', '2: FLOCK  ADVISORY  WRITE 200 00:2c:2 0 EOF', '3: POSIX  ADVISORY  WRITE 300 00:2b:2 0 EOF'].join('\n');
  assert.equal(parseFlockHolders(locks, { major: 0, minor: 0x2b, ino: 2n }), [100]);
  assert.equal(parseFlockHolders(locks, { major: 0, minor: 0x2c, ino: 2n }), [200]);
  assert.equal(parseFlockHolders(locks, { major: 0, minor: 0x2d, ino: 2n }), []);
  // Major numbers in hex, e.g. a device-mapper disk "fd:01".
  assert.equal(parseFlockHolders('1: FLOCK  ADVISORY  WRITE 7 fd:01:1234 0 EOF', { major: 0xfd, minor: 1, ino: 1234n }), [7]);
});

test('two tmpfs mounts, a flock on a file with the same inode number: not a holder of ours; stop spares it', async () => {
  const a = mountTmpfs(join(base, 'a'), '32m');
  const b = mountTmpfs(join(base, 'b'), '1m');
  // A town on its own filesystem, so its daemon.lock gets a small, predictable inode number.
  const r = await gt(['install', join(a.dir, 't'), '--agent', 'sim']);
  assert.is(r.code, 0, r.stderr);
  const root = join(a.dir, 't');
  const lock = join(root, 'daemon', 'daemon.lock');
  writeFileSync(lock, '');
  const ours = fileId(lock)!;
  // Files on the other mount until one has the same inode number.
  let twin = '';
  for (let i = 0; i < 2000 && !twin; i++) {
    const f = join(b.dir, `f${i}`);
    writeFileSync(f, '');
    if (statSync(f).ino === Number(ours.ino)) twin = f;
  }
  assert.ok(twin, `a file with inode ${ours.ino} on the second mount`);
  const other = fileId(twin)!;
  assert.ok(other.minor !== ours.minor || other.major !== ours.major, 'different devices');
  await foreignHolder(twin);
  const impostor = holderOf(twin);
  assert.equal(flockHolders(lock), [], 'a lock on the twin is not a lock on our file');
  // A stale pid file naming the impostor (as if its pid had been recycled).
  writeFileSync(join(root, 'daemon', 'daemon.pid'), `${impostor}\n0123456789abcdef\n`);
  const stop = await gt(['daemon', 'stop', '--grace', '1s', '--town', root], { timeoutMs: 30_000 });
  assert.is(stop.code, 0, stop.stderr);
  assert.match(stop.stdout, /daemon is not running/);
  assert.ok(pidRunning(impostor), 'the process holding the twin file was not signalled');
});

test('a foreign process holding the real daemon.lock (flock backup.sh) is never taken for the daemon', async () => {
  town = await makeTown({ agent: 'sim' });
  const lock = join(town.root, 'daemon', 'daemon.lock');
  writeFileSync(lock, '');
  await foreignHolder(lock);
  const holder = holderOf(lock);
  writeFileSync(join(town.root, 'daemon', 'daemon.pid'), `${holder}\n0123456789abcdef\n`);
  assert.match(whyNotDaemon(holder, { root: town.root, daemonPid: join(town.root, 'daemon', 'daemon.pid') }) ?? '', /is not a gt daemon \(flock --nonblock --close/);
  const stop = await gt(['daemon', 'stop', '--grace', '1s', '--town', town.root], { timeoutMs: 30_000 });
  assert.is(stop.code, 0, stop.stderr);
  assert.match(stop.stdout, /daemon is not running \(daemon\/daemon\.lock is held by pid \d+ is not a gt daemon/);
  assert.ok(pidRunning(holder), 'the lock holder was not signalled');
  const st = await gt(['daemon', 'status', '--town', town.root]);
  assert.is(st.code, 3);
});

test('a process that looks like a gt daemon but started after daemon.pid was written (a recycled pid) is left alone', async () => {
  const root = town!.root;
  const lock = join(root, 'daemon', 'daemon.lock');
  endChildren();
  await waitFor('the lock free', () => flockHolders(lock).length === 0, 10_000);
  // An impostor with gt's entry point and `daemon run --town <root>` on its command line.
  const fake = join(base, 'fake', 'cmd', 'gt');
  mkdirSync(fake, { recursive: true });
  const script = join(fake, 'main.js');
  writeFileSync(
    script,
    `const fs = require('fs'); const ext = require(${JSON.stringify(join(REPO, 'node_modules', 'fs-ext'))});\n` +
      `const fd = fs.openSync(${JSON.stringify(lock)}, 'a'); ext.flockSync(fd, 'exnb'); setInterval(() => {}, 1e6);\n`,
  );
  const pidFile = join(root, 'daemon', 'daemon.pid');
  const c = spawn(process.execPath, [script, 'daemon', 'run', '--town', root], { stdio: 'ignore', detached: true });
  children.push(c);
  await waitFor('the impostor holds the lock', () => flockHolders(lock).includes(c.pid!), 10_000);
  writeFileSync(pidFile, `${c.pid}\n0123456789abcdef\n`);
  // With a fresh pid file everything about it agrees: that is what a wedged daemon looks like.
  assert.is(whyNotDaemon(c.pid!, { root, daemonPid: pidFile }), undefined);
  // Written a minute before the process started: not the process that wrote it.
  const past = new Date(Date.now() - 60_000);
  utimesSync(pidFile, past, past);
  assert.match(whyNotDaemon(c.pid!, { root, daemonPid: pidFile }) ?? '', /started after daemon\/daemon\.pid was written/);
  const stop = await gt(['daemon', 'stop', '--grace', '1s', '--town', root], { timeoutMs: 30_000 });
  assert.is(stop.code, 0, stop.stderr);
  assert.match(stop.stdout, /started after daemon\/daemon\.pid was written/);
  assert.ok(pidRunning(c.pid!), 'not signalled');
  // Another town's daemon (its --town) is not ours either.
  assert.match(whyNotDaemon(c.pid!, { root: join(base, 'elsewhere'), daemonPid: pidFile }) ?? '', /gt daemon of another town/);
});

test('a dead pid in daemon.pid and a free lock: not running, exit 0, nothing signalled', async () => {
  const root = town!.root;
  endChildren();
  const lock = join(root, 'daemon', 'daemon.lock');
  await waitFor('the lock free', () => flockHolders(lock).length === 0, 10_000);
  const dead = spawn('true');
  await new Promise((r) => dead.on('exit', r));
  writeFileSync(join(root, 'daemon', 'daemon.pid'), `${dead.pid}\n0123456789abcdef\n`);
  const stop = await gt(['daemon', 'stop', '--town', root]);
  assert.is(stop.code, 0, stop.stderr);
  assert.is(stop.stdout.trim(), 'daemon is not running');
  assert.ok(existsSync(lock), 'the lock file is never deleted');
});

test.run();

/**
 * The emergency controls on a sick disk. The town lives on a tmpfs of its own that the test
 * remounts read-only, or fills (blocks and inodes). Root ignores file permissions, so chmod
 * proves nothing here; a read-only mount and a full filesystem refuse root too, and the test
 * checks that they do before it relies on them.
 *
 * Read-only: `gt estop` reaches the daemon over the socket, which holds the stop in memory (no
 * agent is restarted); `gt thaw` ends it; `gt down` stops every session although
 * daemon/shutdown.lock cannot be created; the daemon exits 0 although it cannot remove its pid
 * file. Full: the same stop is held in memory and written to <town>/ESTOP once space is freed;
 * ledger errors say the disk is full; `gt down` works.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { mountTmpfs, unmountAll, type TmpfsMount } from '../helpers/mounts.js';
import { GT_BIN, gt, tempDir, townSocket, waitFor } from '../helpers/town.js';
import { errnoCode } from '../../internal/errors.js';
import { spawnSync } from 'node:child_process';

const base = tempDir('gt-sick-');
const servers: string[] = [];
const towns: DiskTown[] = [];
const daemons: ChildProcess[] = [];

test.after(async () => {
  // Everything of the towns stops while their disks are still there (and writable).
  for (const t of towns) {
    try {
      t.mount.remount('rw');
    } catch {
      // Already unmounted by its test.
    }
    if (existsSync(join(t.root, 'mayor', 'town.json'))) await gt(['down', '--town', t.root], { timeoutMs: 60_000 }).catch(() => undefined);
  }
  for (const d of daemons) if (d.exitCode === null && d.signalCode === null) d.kill('SIGKILL');
  for (const s of servers) spawnSync('tmux', ['-L', s, 'kill-server'], { stdio: 'ignore' });
  unmountAll();
  rmSync(base, { recursive: true, force: true });
});

interface DiskTown {
  mount: TmpfsMount;
  root: string;
  socket: string;
  sessions(): string[];
  ok(args: string[]): Promise<string>;
  ticks(): Promise<number>;
  alive(ids: string[]): Promise<boolean>;
}

async function diskTown(name: string, size: string, inodes?: number): Promise<DiskTown> {
  const mount = mountTmpfs(join(base, name), inodes ? `${size},nr_inodes=${inodes}` : size);
  const root = join(mount.dir, 't');
  const r = await gt(['install', root, '--agent', 'sim']);
  assert.is(r.code, 0, r.stderr);
  const merge = (file: string, patch: Record<string, unknown>) => {
    const cur = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    for (const [k, v] of Object.entries(patch)) cur[k] = { ...(cur[k] as object), ...(v as object) };
    writeFileSync(file, JSON.stringify(cur));
  };
  merge(join(root, 'settings', 'config.json'), { daemon: { recovery_interval: '300ms' }, restart: { initial_backoff: '100ms', max_backoff: '200ms' } });
  merge(join(root, 'settings', 'daemon.json'), { env: { GT_SIM_WORK: '0', GT_SIM_HEARTBEAT_INTERVAL: '1s' } });
  const socket = await townSocket(root);
  servers.push(socket);
  const t: DiskTown = {
    mount,
    root,
    socket,
    sessions() {
      const s = spawnSync('tmux', ['-L', socket, 'list-sessions', '-F', '#{session_name}'], { encoding: 'utf8' });
      return s.status === 0 ? s.stdout.trim().split('\n').filter(Boolean).sort() : [];
    },
    async ok(args) {
      const x = await gt([...args, '--town', root], { timeoutMs: 60_000 });
      if (x.code !== 0) throw new Error(`gt ${args.join(' ')} exited ${x.code}: ${x.stderr}${x.stdout}`);
      return x.stdout;
    },
    async ticks() {
      return JSON.parse(await t.ok(['daemon', 'status', '--json'])).tick_count as number;
    },
    async alive(ids) {
      const agents = JSON.parse(await t.ok(['agents', '--json'])) as Array<{ identity: string; liveness: string }>;
      return ids.every((id) => agents.find((a) => a.identity === id)?.liveness === 'alive');
    },
  };
  towns.push(t);
  return t;
}

/** A daemon run in the foreground, so its exit status and stderr are ours to check. */
function foregroundDaemon(root: string): { child: ChildProcess; exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>; stderr: () => string } {
  const child = spawn(process.execPath, [GT_BIN, 'daemon', 'run', '--town', root], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  daemons.push(child);
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  child.stdout!.on('data', () => undefined);
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })));
  return { child, exit, stderr: () => stderr };
}

/** Live pids started for this town's sessions (GT_TOWN_ROOT and GT_SESSION in their environment). */
function townAgentPids(root: string): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const env = readFileSync(`/proc/${e}/environ`, 'utf8').split('\0');
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z') continue;
      if (env.includes(`GT_TOWN_ROOT=${root}`) && env.some((kv) => kv.startsWith('GT_SESSION='))) out.push(Number(e));
    } catch {
      // Gone.
    }
  }
  return out;
}

function writeFails(path: string): string | undefined {
  try {
    writeFileSync(path, 'x');
    rmSync(path);
    return undefined;
  } catch (e) {
    return errnoCode(e);
  }
}

/** Fill the filesystem: data blocks first, then inodes. */
function fill(dir: string): void {
  const fd = openSync(join(dir, 'filler'), 'w');
  const chunk = Buffer.alloc(256 * 1024, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (e) {
    if (errnoCode(e) !== 'ENOSPC') throw e;
  } finally {
    closeSync(fd);
  }
  for (let i = 0; ; i++) {
    try {
      closeSync(openSync(join(dir, `inode-${i}`), 'w'));
    } catch (e) {
      if (errnoCode(e) !== 'ENOSPC') throw e;
      break;
    }
  }
}

function unfill(dir: string): void {
  for (const f of readdirSync(dir)) if (f === 'filler' || f.startsWith('inode-')) rmSync(join(dir, f));
}

async function killAndWatch(t: DiskTown, session: string): Promise<void> {
  spawnSync('tmux', ['-L', t.socket, 'kill-session', '-t', `=${session}`]);
  await waitFor(`${session} gone`, () => !t.sessions().includes(session), 10_000);
  const from = await t.ticks();
  await waitFor('8 more ticks', async () => (await t.ticks()) >= from + 8, 30_000, 100);
  assert.not.ok(t.sessions().includes(session), `${session} was not restarted while the stop is held`);
}

test('read-only town: estop held in memory, thaw, gt down stops everything, the daemon exits 0', async () => {
  const t = await diskTown('ro', '64m');
  const daemon = foregroundDaemon(t.root);
  await waitFor('deacon and mayor alive', () => t.alive(['deacon', 'mayor']).catch(() => false), 30_000, 200);
  t.mount.remount('ro');
  assert.is(writeFails(join(t.root, 'probe')), 'EROFS', 'the mount refuses writes even to root');

  const stop = await gt(['estop', '--reason', 'disk went read-only', '--town', t.root]);
  assert.is(stop.code, 0, stop.stderr);
  assert.match(stop.stdout, /^ESTOP held by the daemon \(pid \d+\) in memory: .*ESTOP could not be written \(read-only file system\)/);
  assert.not.ok(existsSync(join(t.root, 'ESTOP')));
  assert.match(await t.ok(['estop', '--status']), /ESTOP is held in the daemon's memory since .*read-only file system/);
  await killAndWatch(t, 'hq-mayor');

  const thaw = await gt(['thaw', '--town', t.root]);
  assert.is(thaw.code, 0, thaw.stderr);
  assert.match(thaw.stdout, /^ESTOP removed; daemon woken \(pid \d+\)/);
  assert.match(await t.ok(['estop', '--status']), /ESTOP is not set/);

  const down = await gt(['down', '--town', t.root], { timeoutMs: 90_000 });
  assert.is(down.code, 0, down.stderr + down.stdout);
  assert.match(down.stderr, /note: could not take daemon\/shutdown\.lock \(read-only file system\): stopped the daemon before the sessions instead/);
  assert.match(down.stdout, /daemon stopped \(pid \d+\)/);
  assert.equal(t.sessions(), []);
  assert.equal(townAgentPids(t.root), []);
  const exited = await daemon.exit;
  assert.equal(exited, { code: 0, signal: null }, `the daemon exited cleanly; stderr: ${daemon.stderr()}`);
  assert.ok(existsSync(join(t.root, 'daemon', 'daemon.pid')), 'its pid file could not be removed, and that did not matter');
  t.mount.remount('rw');
  t.mount.unmount();
});

test('full disk: estop held in memory and written once space is freed; ledger errors say the disk is full; gt down works', async () => {
  const t = await diskTown('full', '24m', 400);
  await t.ok(['daemon', 'start']);
  await waitFor('deacon and mayor alive', () => t.alive(['deacon', 'mayor']).catch(() => false), 30_000, 200);
  await t.ok(['bead', 'create', '--prefix', 'tt', '--title', 'before the disk filled']);
  fill(t.mount.dir);
  assert.is(writeFails(join(t.root, 'probe')), 'ENOSPC', 'the disk is full, for root too');

  const bead = await gt(['bead', 'create', '--prefix', 'tt', '--title', 'no room', '--town', t.root]);
  assert.is(bead.code, 1);
  assert.match(bead.stderr, /the disk is full/);
  assert.not.match(bead.stderr, /permission/);

  // Still supervised on the full disk: a killed session is started again (degraded mode if the
  // ledger cannot take the write).
  spawnSync('tmux', ['-L', t.socket, 'kill-session', '-t', '=hq-deacon']);
  await waitFor('hq-deacon gone', () => !t.sessions().includes('hq-deacon'), 10_000);
  await waitFor('hq-deacon started again on the full disk', () => t.sessions().includes('hq-deacon'), 60_000, 200);
  assert.is(writeFails(join(t.root, 'probe')), 'ENOSPC', 'the disk was full all along');

  const stop = await gt(['estop', '--reason', 'disk full', '--town', t.root]);
  assert.is(stop.code, 0, stop.stderr);
  assert.match(stop.stdout, /^ESTOP held by the daemon \(pid \d+\) in memory: .*could not be written \(the disk is full\)/);
  await killAndWatch(t, 'hq-mayor');

  // Space again: the daemon writes the file by itself, and the file carries the stop from now on.
  unfill(t.mount.dir);
  await waitFor('ESTOP written by the daemon', () => existsSync(join(t.root, 'ESTOP')), 15_000);
  assert.match(readFileSync(join(t.root, 'daemon', 'daemon.log'), 'utf8'), /ESTOP written to .*ESTOP \(held in memory since/);
  assert.match(await t.ok(['estop', '--status']), /^ESTOP is set \(since .*reason: disk full/);
  await t.ok(['thaw']);
  await waitFor('the mayor restarted after thaw', () => t.alive(['mayor']).catch(() => false), 30_000, 200);

  fill(t.mount.dir);
  const down = await gt(['down', '--town', t.root], { timeoutMs: 90_000 });
  assert.is(down.code, 0, down.stderr + down.stdout);
  assert.equal(t.sessions(), []);
  assert.equal(townAgentPids(t.root), []);
  unfill(t.mount.dir);
  t.mount.unmount();
});

test.run();

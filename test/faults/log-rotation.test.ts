import { test } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import { readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gt, makeTown, waitFor, type TempTown } from '../helpers/town.js';
import { pidRunning } from '../../internal/fsx/proc.js';

let town: TempTown;
let pid: number;
test.before(async () => {
  // No agents to supervise: the only lines logged are the ones this test provokes.
  town = await makeTown({
    settings: { daemon: { recovery_interval: '10m', log_max_size: '4KB', log_keep: 2 }, roles: { mayor: { enabled: false } } },
    daemonSettings: { patrols: { deacon: { enabled: false } } },
  });
  const r = await gt(['daemon', 'start', '--town', town.root]);
  if (r.code !== 0) throw new Error(r.stderr);
  pid = Number(/pid (\d+)/.exec(r.stdout)![1]);
});
test.after(async () => town.cleanup());

/** Send junk lines on the control socket: each one makes the daemon log a warning. */
function sendJunk(lines: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(join(town.root, 'daemon', 'control.sock'));
    let got = '';
    s.setEncoding('utf8');
    s.on('data', (d) => {
      got += d;
      if (got.split('\n').length > lines.length) (s.end(), resolve(got));
    });
    s.on('error', reject);
    s.on('connect', () => s.write(lines.map((l) => `${l}\n`).join('')));
  });
}

test('bad control-socket input is answered with JSON-RPC errors and logged; the daemon keeps running', async () => {
  const replies = (await sendJunk(['not json', '{"jsonrpc":"2.0"}', '{"jsonrpc":"2.0","id":7,"method":"nope"}', '{"jsonrpc":"2.0","id":8,"method":"tick","params":{"reason":5}}']))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const codes = replies.map((r) => r.error?.code).sort();
  assert.equal(codes, [-32700, -32602, -32601, -32600].sort());
  assert.ok(pidRunning(pid));
  const st = await gt(['daemon', 'status', '--town', town.root]);
  assert.is(st.code, 0);
});

test('rotation keeps daemon.log and its archives under the budget while lines are logged in a loop', async () => {
  // Junk warnings are logged at most once a minute per kind (a hostile client must not be able to
  // rotate the record away), so the flood here is of fast-path notifications, one line each.
  for (let i = 0; i < 40; i++) {
    await sendJunk(Array.from({ length: 25 }, (_, j) => JSON.stringify({ jsonrpc: '2.0', id: j, method: 'notify', params: { event: 'pane-exited', session: `s${i}-${j}-${'x'.repeat(30)}` } })));
  }
  const dir = join(town.root, 'daemon');
  await waitFor('archives', () => readdirSync(dir).includes('daemon.log.2'));
  const logs = readdirSync(dir).filter((f) => f.startsWith('daemon.log'));
  assert.equal(logs.sort(), ['daemon.log', 'daemon.log.1', 'daemon.log.2']);
  let total = 0;
  for (const f of logs) {
    const size = statSync(join(dir, f)).size;
    assert.ok(size <= 4096, `${f}: ${size} bytes`);
    total += size;
  }
  assert.ok(total <= 3 * 4096, `total ${total}`);
  assert.ok(pidRunning(pid));
  const logsCmd = await gt(['daemon', 'logs', '-n', '3', '--town', town.root]);
  assert.is(logsCmd.code, 0);
  assert.is(logsCmd.stdout.trim().split('\n').length, 3);
  assert.match(logsCmd.stdout, /DEBUG (fast path: pane-exited|tick \d+)/);
});

/** A file's lines as the logger wrote them (whole lines, newline-terminated). */
function fileLines(path: string): string[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

test('right after a rotation, gt daemon logs -n N prints the last N lines across daemon.log.1 and daemon.log, in order', async () => {
  // The rotation above was real (the daemon's own logger); stopped, the daemon writes no more.
  const stop = await gt(['daemon', 'stop', '--town', town.root]);
  assert.is(stop.code, 0, stop.stderr);
  const dir = join(town.root, 'daemon');
  const archive = fileLines(join(dir, 'daemon.log.1'));
  const live = fileLines(join(dir, 'daemon.log'));
  assert.ok(archive.length >= 5, `the archive has lines: ${archive.length}`);
  const n = live.length + 5;
  const want = [...archive, ...live].slice(-n);
  const r = await gt(['daemon', 'logs', '-n', String(n), '--town', town.root]);
  assert.is(r.code, 0, r.stderr);
  assert.equal(r.stdout.trimEnd().split('\n'), want);
  const j = await gt(['daemon', 'logs', '--json', '-n', String(n), '--town', town.root]);
  assert.is(j.code, 0, j.stderr);
  const objs = j.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { time: string; level: string; message: string });
  assert.equal(objs.map((o) => `${o.time} ${o.level.toUpperCase()}`), want.map((l) => /^(\S+) (\w+)/.exec(l)!.slice(1).join(' ')));
  assert.equal(objs.map((o) => o.message), want.map((l) => /^\S+ \w+\s+(.*)$/.exec(l)![1]));
});

test('the archive: a missing one is fine, a symlink in its place is never followed, -n 0 prints nothing', async () => {
  const dir = join(town.root, 'daemon');
  const line = (i: number, what: string) => `2026-12-01T00:00:0${i}.000Z INFO  ${what}`;
  writeFileSync(join(dir, 'daemon.log.1'), [1, 2, 3].map((i) => line(i, `old ${i}`)).join('\n') + '\n');
  writeFileSync(join(dir, 'daemon.log'), [4, 5].map((i) => line(i, `new ${i}`)).join('\n') + '\n');
  const logs = (...args: string[]) => gt(['daemon', 'logs', ...args, '--town', town.root]);
  let r = await logs('-n', '4');
  assert.is(r.code, 0, r.stderr);
  assert.equal(r.stdout.trimEnd().split('\n'), [line(2, 'old 2'), line(3, 'old 3'), line(4, 'new 4'), line(5, 'new 5')]);
  r = await logs('-n', '0');
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, '');

  rmSync(join(dir, 'daemon.log.1'));
  r = await logs('-n', '10');
  assert.is(r.code, 0, r.stderr);
  assert.equal(r.stdout.trimEnd().split('\n'), [line(4, 'new 4'), line(5, 'new 5')]);
  assert.is(r.stderr, '');

  const secret = join(town.root, 'secret.txt');
  writeFileSync(secret, 'SECRET-LINE\n');
  symlinkSync(secret, join(dir, 'daemon.log.1'));
  r = await logs('-n', '10');
  assert.is(r.code, 0, r.stderr);
  assert.equal(r.stdout.trimEnd().split('\n'), [line(4, 'new 4'), line(5, 'new 5')]);
  assert.not.match(r.stdout, /SECRET/);
  assert.match(r.stderr, /daemon\/daemon\.log\.1 is a symbolic link/);
});

test.run();

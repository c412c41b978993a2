/**
 * Issue 10's smaller defects, each as a person meets it: gt install on /proc/x (spun forever) or
 * on a file (a raw ENOTDIR); reserved prefixes accepted by gt bead create; "daemon already
 * running" lines without a time in daemon.log; gt handoff and gt thaw calling a daemon whose pid
 * file does not match "not running".
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GT_BIN, daemonPids, gt, makeTown, tempDir, waitFor, type TempTown } from '../helpers/town.js';

let town: TempTown;
const dir = tempDir('gt-defects-');

test.before(async () => {
  town = await makeTown({ agent: 'sim' });
});
test.after(async () => {
  await town.cleanup();
});

function oneLine(r: { code: number; stderr: string; stdout: string }, re: RegExp): void {
  assert.is(r.code, 1, r.stdout + r.stderr);
  const lines = r.stderr.trimEnd().split('\n');
  assert.is(lines.length, 1, r.stderr);
  assert.match(lines[0]!, re);
}

test('gt install /proc/x ends with one clear line (it used to spin forever); a file in the way too', async () => {
  oneLine(await gt(['install', '/proc/gt-nope'], { timeoutMs: 20_000 }), /^gt: cannot create directory \/proc\/gt-nope: this filesystem does not allow creating it$/);
  const file = join(dir, 'a-file');
  writeFileSync(file, 'x');
  oneLine(await gt(['install', file], { timeoutMs: 20_000 }), new RegExp(`^gt: ${file} is not a directory`));
  oneLine(await gt(['install', join(file, 'town')], { timeoutMs: 20_000 }), new RegExp(`^gt: ${file} is not a directory`));
});

test('gt bead create refuses the reserved prefixes msg and hq, as gt rig add does; listing by them still works', async () => {
  for (const p of ['msg', 'hq']) {
    oneLine(await gt(['bead', 'create', '--prefix', p, '--title', 'x', '--town', town.root]), new RegExp(`^gt: prefix "${p}" is reserved`));
  }
  const list = await gt(['bead', 'list', '--prefix', 'hq', '--type', 'all', '--town', town.root]);
  assert.is(list.code, 0, list.stderr);
});

test('"daemon already running" from a daemon that lost the lock is a timestamped line in daemon.log', async () => {
  const r = await gt(['daemon', 'start', '--town', town.root]);
  assert.is(r.code, 0, r.stderr);
  const log = join(town.root, 'daemon', 'daemon.log');
  // A second `daemon run` with its output in the log, as `gt daemon start` starts one.
  const out = openSync(log, 'a');
  const loser = spawn(process.execPath, [GT_BIN, 'daemon', 'run', '--town', town.root], { stdio: ['ignore', out, out] });
  closeSync(out);
  const code = await new Promise<number | null>((res) => loser.on('exit', res));
  assert.is(code, 1);
  const lines = readFileSync(log, 'utf8').trimEnd().split('\n');
  const lost = lines.filter((l) => /daemon already running/.test(l));
  assert.is(lost.length, 1, lines.join('\n'));
  assert.match(lost[0]!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO  daemon already running \(pid \d+\)$/);
  for (const l of lines) assert.match(l, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (DEBUG|INFO|WARN|ERROR) /, 'every line of daemon.log has a time and a level');
});

test('gt handoff and gt thaw tell a pid file that does not match apart from "not running"', async () => {
  const [pid] = daemonPids(town.root) as [number];
  await waitFor('the daemon answering', async () => (await gt(['daemon', 'status', '--town', town.root])).code === 0);
  // Keep the daemon from acting on the handoff's request meanwhile.
  assert.is((await gt(['estop', '--town', town.root])).code, 0);
  const pidFile = join(town.root, 'daemon', 'daemon.pid');
  const original = readFileSync(pidFile, 'utf8');
  writeFileSync(pidFile, `${pid}\nffffffffffffffff\n`);
  try {
    const h = await gt(['handoff', '--shutdown', '--town', town.root], { env: { GT_ROLE: 'mayor', GT_SESSION: '', GT_TMUX_SOCKET: '' } });
    assert.is(h.code, 0, h.stderr);
    assert.match(h.stdout, new RegExp(`note: the daemon \\(pid ${pid}\\) answers but was not signalled: daemon/daemon\\.pid \\(pid ${pid}\\) does not match`));
    assert.not.match(h.stdout, /not running/);
    // thaw reaches the daemon over its socket: no pid file is needed to tell it.
    const t = await gt(['thaw', '--town', town.root]);
    assert.is(t.code, 0, t.stderr);
    assert.is(t.stdout.trim(), `ESTOP removed; daemon woken (pid ${pid})`);
  } finally {
    writeFileSync(pidFile, original);
  }
  await gt(['daemon', 'stop', '--town', town.root]);
  const h2 = await gt(['handoff', '--town', town.root], { env: { GT_ROLE: 'mayor', GT_SESSION: '', GT_TMUX_SOCKET: '' } });
  assert.match(h2.stdout, /note: the daemon is not running; it will act on the request when it starts/);
});

test.run();

/**
 * Files the daemon reads are written by agents and people, so any of them can be a FIFO, a link
 * to /dev/zero or a sparse 1 GB file. At an agent's heartbeat file, settings/daemon.json and
 * settings/config.json (read at SIGHUP) none of them may stop the ticks or grow the daemon's
 * memory; each is logged once as "invalid: <why>" and treated as absent (the old settings kept);
 * `gt status` and `gt agents` answer instead of hanging. The daemon log is never written through
 * a symlink planted at daemon/daemon.log.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { closeSync, ftruncateSync, lstatSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { faultTown, matching, type FaultTown } from '../helpers/engine-faults.js';
import { daemonPids, gt, readJson, rssMb, waitFor } from '../helpers/town.js';

let ft: FaultTown;
let daemon: number;

/** Generous: the daemon idles near 70 MB; reading /dev/zero took it to 16 GB. */
const RSS_LIMIT_MB = 400;

const alive = async (): Promise<boolean> => {
  const agents = JSON.parse(await ft.gtOk(['agents', '--json'])) as Array<{ identity: string; liveness: string }>;
  return ['deacon', 'mayor'].every((id) => agents.find((a) => a.identity === id)?.liveness === 'alive');
};

type Fault = 'fifo' | 'dev-zero' | 'sparse-1g';
const FAULTS: Fault[] = ['fifo', 'dev-zero', 'sparse-1g'];
const WHY: Record<Fault, RegExp> = {
  fifo: /invalid: is a FIFO, not a regular file/,
  // At a file gt writes itself the link is refused as a link; at settings, as what it points to.
  'dev-zero': /invalid: is (a symbolic link|a character device)/,
  'sparse-1g': /invalid: is too large \(1024 MB/,
};

function plant(path: string, fault: Fault): void {
  rmSync(path, { force: true });
  if (fault === 'fifo') {
    const r = spawnSync('mkfifo', [path]);
    if (r.status !== 0) throw new Error(`mkfifo: ${r.stderr}`);
  } else if (fault === 'dev-zero') symlinkSync('/dev/zero', path);
  else {
    const fd = openSync(path, 'w');
    ftruncateSync(fd, 1024 * 1024 * 1024);
    closeSync(fd);
  }
}

/** `gt status` and `gt agents` end (no hang) with a clear answer. */
async function commandsAnswer(expectError?: RegExp): Promise<void> {
  for (const args of [['status'], ['agents']]) {
    const r = await gt([...args, '--town', ft.root], { timeoutMs: 20_000 });
    if (expectError) {
      assert.is(r.code, 1, `gt ${args[0]}: ${r.stderr}`);
      assert.match(r.stderr, expectError);
      assert.is(r.stderr.trim().split('\n').length, 1, 'one line');
    } else assert.is(r.code, 0, `gt ${args[0]}: ${r.stderr}`);
  }
}

async function underFault(path: string, fault: Fault, opts: { hup?: boolean; commandsFail?: RegExp } = {}): Promise<string[]> {
  const mark = ft.log().length;
  const before = ft.tickCount();
  plant(path, fault);
  if (opts.hup) process.kill(daemon, 'SIGHUP');
  // Ticks keep coming (a FIFO read used to freeze the loop: tick_count stopped).
  await waitFor(`10 ticks past ${before} with a ${fault} at ${path}`, () => ft.tickCount() >= before + 10, 30_000);
  assert.equal(daemonPids(ft.root), [daemon], 'the same daemon keeps running');
  const rss = rssMb(daemon);
  assert.ok(rss < RSS_LIMIT_MB, `daemon RSS ${rss.toFixed(0)} MB stays under ${RSS_LIMIT_MB} MB`);
  await commandsAnswer(opts.commandsFail);
  const lines = ft.log().slice(mark);
  assert.equal(matching(lines, /tick failed|uncaught|unhandled/), [], lines.join('\n'));
  return lines;
}

test.before(async () => {
  ft = await faultTown({
    settings: { daemon: { recovery_interval: '200ms' }, restart: { initial_backoff: '100ms', max_backoff: '200ms' } },
    // The sims write their heartbeat file once, so the planted one stays for the whole observation.
    env: { GT_SIM_HEARTBEAT_INTERVAL: '1h' },
  });
  // Planted before the daemon starts: its log must not follow the link out of the town.
  writeFileSync(join(ft.root, '..', 'outside.log'), 'not the daemon log\n');
  symlinkSync(join(ft.root, '..', 'outside.log'), join(ft.root, 'daemon', 'daemon.log'));
  await ft.gtOk(['daemon', 'start']);
  await waitFor('deacon and mayor alive', alive, 30_000);
  await waitFor('mayor heartbeat written', () => readJson(join(ft.root, '.runtime', 'heartbeats', 'hq-mayor.json')).timestamp, 10_000);
  [daemon] = daemonPids(ft.root) as [number];
});
test.after(async () => {
  await ft.teardown();
});

test('daemon/daemon.log: a planted symlink is replaced by a regular file; its target is untouched', () => {
  assert.is(readFileSync(join(ft.root, '..', 'outside.log'), 'utf8'), 'not the daemon log\n');
  const log = join(ft.root, 'daemon', 'daemon.log');
  assert.ok(lstatSync(log).isFile());
  assert.ok(matching(ft.log(), /daemon started/).length >= 1);
});

test('an agent heartbeat file as a FIFO, a /dev/zero link, a 1 GB file: ticks go on, one warning each, the agent left alone', async () => {
  const file = join(ft.root, '.runtime', 'heartbeats', 'hq-mayor.json');
  const mayor = ft.panePid('hq-mayor');
  for (const fault of FAULTS) {
    const lines = await underFault(file, fault);
    const warned = matching(lines, /\.runtime\/heartbeats\/hq-mayor\.json: invalid: .*treated as absent/);
    assert.is(warned.length, 1, `${fault}: ${lines.join('\n')}`);
    assert.match(warned[0]!, WHY[fault]);
    // Readable again ends the episode.
    rmSync(file);
    writeFileSync(file, JSON.stringify({ timestamp: new Date().toISOString(), state: 'idle' }));
    await ft.waitTicks(3);
  }
  assert.is(ft.panePid('hq-mayor'), mayor, 'the mayor was not restarted because of its heartbeat file');
});

test('a FIFO at the heartbeat file of an agent being restarted: the start is not stalled, ticks go on', async () => {
  const file = join(ft.root, '.runtime', 'heartbeats', 'hq-mayor.json');
  const mark = ft.log().length;
  plant(file, 'fifo');
  ft.tmux('kill-session', '-t', '=hq-mayor');
  // The start watches this file for the agent's first report; the agent replaces it (rename).
  await waitFor('mayor restarted', () => matching(ft.log().slice(mark), /\bstarted mayor\b/).length >= 1, 30_000);
  await waitFor('mayor alive', alive, 30_000);
  await ft.waitTicks(5);
  assert.equal(daemonPids(ft.root), [daemon]);
  assert.equal(matching(ft.log().slice(mark), /tick failed|uncaught|unhandled/), []);
});

test('settings/daemon.json as a FIFO, a /dev/zero link, a 1 GB file: ticks go on, one warning each', async () => {
  const file = join(ft.root, 'settings', 'daemon.json');
  const original = readFileSync(file, 'utf8');
  for (const fault of FAULTS) {
    const lines = await underFault(file, fault, { commandsFail: /settings\/daemon\.json: invalid: / });
    const warned = matching(lines, /settings\/daemon\.json: invalid: .*treated as absent/);
    assert.is(warned.length, 1, `${fault}: ${lines.join('\n')}`);
    assert.match(warned[0]!, WHY[fault]);
    rmSync(file);
    writeFileSync(file, original);
    await ft.waitTicks(3);
  }
  assert.ok(await alive());
});

test('settings/config.json as a FIFO, a /dev/zero link, a 1 GB file at SIGHUP: refused, old settings kept, ticks go on', async () => {
  const file = join(ft.root, 'settings', 'config.json');
  const original = readFileSync(file, 'utf8');
  for (const fault of FAULTS) {
    const lines = await underFault(file, fault, { hup: true, commandsFail: /settings\/config\.json: invalid: / });
    const kept = matching(lines, /SIGHUP: kept the previous settings: settings\/config\.json: invalid: /);
    assert.is(kept.length, 1, `${fault}: ${lines.join('\n')}`);
    assert.match(kept[0]!, WHY[fault]);
    // Still the old recovery interval (200ms): state.json says so.
    assert.is(readJson(join(ft.root, 'daemon', 'state.json')).recovery_interval_ms, 200);
    rmSync(file);
    writeFileSync(file, original);
  }
  // Still supervising: a killed agent comes back.
  const mark = ft.log().length;
  ft.tmux('kill-session', '-t', '=hq-mayor');
  await waitFor('mayor restarted', () => matching(ft.log().slice(mark), /\bstarted mayor\b/).length >= 1, 20_000);
  await waitFor('mayor alive', alive, 20_000);
});

test.run();

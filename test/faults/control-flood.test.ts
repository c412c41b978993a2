/**
 * Any same-user process can reach the control socket. Three clients that pipeline status
 * requests and never read their answers used to take the daemon from ~70 MB to the heap limit
 * and kill it. Now each is dropped once its unread answers reach the cap: the daemon's memory
 * stays bounded, its ticks go on and `gt daemon status` is answered throughout.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { floodControlSocket } from '../helpers/control-flood.js';
import { daemonPids, gt, makeTown, readJson, rssMb, waitFor, type TempTown } from '../helpers/town.js';

let town: TempTown;
let daemon: number;

/** Generous: the idle daemon is near 70 MB; the unbounded queue reached gigabytes. */
const RSS_LIMIT_MB = 400;

const ticks = () => readJson(join(town.root, 'daemon', 'state.json')).tick_count as number;

const flood = (max: number) => floodControlSocket(town.root, max);

test.before(async () => {
  town = await makeTown({ settings: { daemon: { recovery_interval: '300ms' } } });
  const r = await gt(['daemon', 'start', '--town', town.root]);
  assert.is(r.code, 0, r.stderr);
  [daemon] = daemonPids(town.root) as [number];
});
test.after(async () => {
  await town.cleanup();
});

test('three pipelining clients that never read are dropped; RSS bounded; ticks and status go on', async () => {
  const before = ticks();
  let peak = rssMb(daemon);
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(daemon))), 100);
  // Meanwhile a well-behaved client keeps asking.
  let answered = 0;
  let failures = 0;
  const polite = (async () => {
    for (let i = 0; i < 5; i++) {
      const r = await gt(['daemon', 'status', '--json', '--town', town.root], { timeoutMs: 30_000 });
      if (r.code === 0 && JSON.parse(r.stdout).running === true) answered += 1;
      else failures += 1;
    }
  })();
  const results = await Promise.all([flood(1_000_000), flood(1_000_000), flood(1_000_000)]);
  await polite;
  clearInterval(sampler);
  for (const r of results) assert.ok(r.dropped, `each flooding client was dropped (sent ${r.sent})`);
  assert.ok(peak < RSS_LIMIT_MB, `daemon RSS peaked at ${peak.toFixed(0)} MB (limit ${RSS_LIMIT_MB})`);
  assert.is(answered, 5, `gt daemon status answered every time (${failures} failures)`);
  assert.equal(daemonPids(town.root), [daemon], 'the same daemon is running');
  await waitFor('ticks go on', () => ticks() >= before + 5, 20_000);
  const log = readFileSync(join(town.root, 'daemon', 'daemon.log'), 'utf8');
  assert.match(log, /control: dropped a connection: the peer stopped reading/);
  // One line per kind per minute, not one per dropped request or client.
  assert.ok(log.split('\n').filter((l) => /the peer stopped reading/.test(l)).length <= 2, log);
});

test.run();

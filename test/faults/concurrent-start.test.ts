import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { daemonPids, gt, makeTown, waitFor, type TempTown } from '../helpers/town.js';
import { flockHolders } from '../../internal/fsx/proc.js';
import { join } from 'node:path';

let town: TempTown;
test.before(async () => {
  town = await makeTown({ settings: { daemon: { recovery_interval: '1s' } } });
});
test.after(async () => town.cleanup());

for (let round = 1; round <= 3; round++) {
  test(`round ${round}: 20 concurrent starts leave exactly one daemon and all name it`, async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => gt(['daemon', 'start', '--town', town.root], { timeoutMs: 60_000 })));
    for (const r of results) assert.is(r.code, 0, `start failed: ${r.stderr}`);
    const pids = new Set(results.map((r) => /\(pid (\d+)\)/.exec(r.stdout)?.[1]));
    assert.is(pids.size, 1, `starts named different pids: ${[...pids].join(', ')}`);
    const pid = Number([...pids][0]);
    const started = results.filter((r) => r.stdout.startsWith('daemon started'));
    assert.ok(started.length <= 1, 'at most one call started a daemon');
    // Losing children exit on their own; wait until only the winner is left.
    await waitFor('one daemon process', () => daemonPids(town.root).length === 1, 15_000);
    assert.equal(daemonPids(town.root), [pid]);
    assert.equal(flockHolders(join(town.root, 'daemon', 'daemon.lock')), [pid]);
    const st = await gt(['daemon', 'status', '--json', '--town', town.root]);
    assert.is(st.code, 0);
    assert.is(JSON.parse(st.stdout).pid, pid);
    const stop = await gt(['daemon', 'stop', '--town', town.root]);
    assert.is(stop.code, 0, stop.stderr);
    assert.equal(daemonPids(town.root), []);
  });
}

test.run();

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { daemonPids, gt, makeTown, waitFor, type TempTown } from '../helpers/town.js';
import { flockHolders } from '../../internal/fsx/proc.js';
import { readPidFile } from '../../internal/fsx/pidfile.js';

let town: TempTown;
test.before(async () => {
  town = await makeTown({ settings: { daemon: { recovery_interval: '1s' } } });
});
test.after(async () => town.cleanup());

for (let round = 1; round <= 5; round++) {
  test(`round ${round}: stop racing start never leaves two daemons or removes a held lock`, async () => {
    const lock = join(town.root, 'daemon', 'daemon.lock');
    const delay = round * 40;
    const starts = [gt(['daemon', 'start', '--town', town.root]), gt(['daemon', 'start', '--town', town.root])];
    await new Promise((r) => setTimeout(r, delay));
    const stops = [gt(['daemon', 'stop', '--town', town.root]), gt(['daemon', 'stop', '--town', town.root])];
    const all = await Promise.all([...starts, ...stops]);
    for (const r of all) assert.ok(r.code === 0 || r.code === 1, `unexpected exit ${r.code}: ${r.stderr}`);
    // Whatever the interleaving: zero or one daemon, and a live daemon always holds the lock.
    await waitFor('losers to exit', () => daemonPids(town.root).length <= 1, 15_000);
    const pids = daemonPids(town.root);
    assert.ok(existsSync(lock), 'the lock file is never deleted');
    if (pids.length === 1) {
      await waitFor('the daemon to answer', async () => (await gt(['daemon', 'status', '--town', town.root])).code === 0);
      assert.equal(flockHolders(lock), pids);
      assert.is(readPidFile(join(town.root, 'daemon', 'daemon.pid'))?.pid, pids[0]);
      const stop = await gt(['daemon', 'stop', '--town', town.root]);
      assert.is(stop.code, 0, stop.stderr);
    }
    assert.equal(daemonPids(town.root), []);
    assert.equal(flockHolders(lock), []);
  });
}

test.run();

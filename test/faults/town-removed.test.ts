import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rmSync } from 'node:fs';
import { gt, makeTown, waitFor } from '../helpers/town.js';
import { pidRunning } from '../../internal/fsx/proc.js';

test('a daemon whose town is deleted shuts itself down on its next tick', async () => {
  const town = await makeTown({ settings: { daemon: { recovery_interval: '10m' } } });
  const r = await gt(['daemon', 'start', '--town', town.root]);
  assert.is(r.code, 0, r.stderr);
  const pid = Number(/pid (\d+)/.exec(r.stdout)![1]);
  try {
    // A tick may be writing while we delete (a session start creates files): retry until gone.
    await waitFor('the town deleted', () => {
      rmSync(town.root, { recursive: true, force: true });
      return true;
    });
    process.kill(pid, 'SIGUSR1');
    await waitFor('the orphaned daemon to exit', () => !pidRunning(pid), 15_000);
  } finally {
    if (pidRunning(pid)) process.kill(pid, 'SIGKILL');
    await town.cleanup();
  }
});

test.run();

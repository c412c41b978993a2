/**
 * `gt daemon tick` used to print "tick N done" and exit 0 whatever the tick did (issue 10,
 * finding 5). A tick that cannot run (here: another process holds the restart state's lock for
 * longer than the engine waits, 30 s) now makes it exit 1 with the reason, and the next tick,
 * once the lock is free, is "done" again.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { gt, makeTown, readJson, waitFor, type TempTown } from '../helpers/town.js';
import { flockHolders } from '../../internal/fsx/proc.js';

let town: TempTown;
let holder: ChildProcess | undefined;

test.before(async () => {
  town = await makeTown({ settings: { daemon: { recovery_interval: '10m' } } });
  const r = await gt(['daemon', 'start', '--town', town.root]);
  assert.is(r.code, 0, r.stderr);
});
test.after(async () => {
  if (holder?.pid) {
    try {
      process.kill(-holder.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await town.cleanup();
});

test('a tick that could not run: gt daemon tick exits 1 and says why; the next one is done', async () => {
  const ok = await gt(['daemon', 'tick', '--json', '--town', town.root]);
  assert.is(ok.code, 0, ok.stderr);
  assert.not.ok('failed' in JSON.parse(ok.stdout));

  const lock = join(town.root, 'daemon', 'restart_state.lock');
  // Its own process group (the flock and its sleep), ended by that group's id.
  holder = spawn('flock', ['-x', lock, 'sleep', '120'], { stdio: 'ignore', detached: true });
  await waitFor('flock holds the restart state lock', () => flockHolders(lock).length > 0, 10_000, 50);

  const failed = await gt(['daemon', 'tick', '--town', town.root], { timeoutMs: 90_000 });
  assert.is(failed.code, 1, failed.stdout);
  assert.is(failed.stdout, '');
  assert.match(failed.stderr, /tick \d+ failed: the restart state was locked by another process for 30s/);
  assert.is(failed.stderr.trim().split('\n').length <= 2, true, failed.stderr);
  const json = await gt(['daemon', 'tick', '--json', '--town', town.root], { timeoutMs: 90_000 });
  assert.is(json.code, 1);
  assert.match(json.stderr + json.stdout, /TICK_FAILED/);

  process.kill(-holder.pid!, 'SIGKILL');
  await waitFor('the lock is free', () => flockHolders(lock).length === 0, 10_000, 50);
  const again = await gt(['daemon', 'tick', '--town', town.root]);
  assert.is(again.code, 0, again.stderr);
  assert.match(again.stdout, /^tick \d+ done/);
  assert.ok(readJson(join(town.root, 'daemon', 'state.json')).running);
});

test.run();

/**
 * Issue 10: a supervised daemon. kill -9 of the daemon: the town starts it again within a minute
 * with no person involved (its keeper, daemon/keeper.ts); with ESTOP set it waits, and starts it
 * once ESTOP is gone; after gt down nothing starts it again. gt daemon install writes a systemd
 * user unit (Restart=on-failure) and prints how to enable it, without running systemctl.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pidRunning } from '../../internal/fsx/proc.js';
import { daemonPids, gt, makeTown, pidsMatching, tempDir, waitFor, type TempTown } from '../helpers/town.js';

let town: TempTown;
const keepers = () => pidsMatching('daemon keeper', `--town ${town.root}`);
const log = () => readFileSync(join(town.root, 'daemon', 'daemon.log'), 'utf8').split('\n');
const answering = async (): Promise<number | undefined> => {
  const r = await gt(['daemon', 'pid', '--town', town.root]);
  return r.code === 0 ? Number(r.stdout.trim()) : undefined;
};

test.before(async () => {
  town = await makeTown({ settings: { daemon: { recovery_interval: '2s' } } });
});
test.after(async () => {
  await town.cleanup();
});

test('kill -9 of the daemon: back within a minute, by the town alone', async () => {
  const s = await gt(['daemon', 'start', '--town', town.root]);
  assert.is(s.code, 0, s.stderr);
  const first = (await answering())!;
  await waitFor('a keeper beside the daemon', () => keepers().length === 1, 30_000);

  const t0 = Date.now();
  process.kill(first, 'SIGKILL');
  const second = await waitFor('a new daemon answering', async () => {
    const p = await answering();
    return p !== undefined && p !== first ? p : undefined;
  }, 60_000, 200);
  console.log(`  daemon answering again ${((Date.now() - t0) / 1000).toFixed(1)}s after kill -9`);
  assert.equal(daemonPids(town.root), [second], 'exactly one daemon');
  assert.ok(log().some((l) => l.includes(`keeper: the daemon (pid ${first}) died without stopping; starting it again`)), log().join('\n'));
  // The new daemon has its own keeper (the old one handed over and left).
  await waitFor('one keeper again', () => keepers().length === 1 && !pidRunning(first), 30_000);
});

test('ESTOP: a dead daemon is not started again until gt thaw', async () => {
  const pid = (await answering())!;
  writeFileSync(join(town.root, 'ESTOP'), '');
  process.kill(pid, 'SIGKILL');
  await waitFor('the keeper says why it waits', () => log().some((l) => l.includes('keeper: the daemon is gone, and not started again while ESTOP is set')), 30_000);
  assert.is(await answering(), undefined, 'not started while ESTOP is set');
  assert.equal(daemonPids(town.root), []);
  const thaw = await gt(['thaw', '--town', town.root]);
  assert.is(thaw.code, 0, thaw.stderr);
  const next = await waitFor('started again after thaw', answering, 60_000, 200);
  assert.is.not(next, pid);
});

test('after gt down nothing starts the daemon again', async () => {
  await waitFor('a keeper', () => keepers().length === 1, 30_000);
  const down = await gt(['down', '--town', town.root], { timeoutMs: 90_000 });
  assert.is(down.code, 0, down.stderr);
  // The keeper ends on a clean stop; with it gone nothing is left to start a daemon.
  await waitFor('keeper gone', () => keepers().length === 0, 30_000);
  assert.equal(daemonPids(town.root), []);
  assert.is(await answering(), undefined);
});

test('gt daemon install writes a systemd user unit and prints how to enable it', async () => {
  const xdg = tempDir('gt-xdg-');
  const r = await gt(['daemon', 'install', '--town', town.root, '--json'], { env: { XDG_CONFIG_HOME: xdg } });
  assert.is(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { unit: string; path: string; changed: boolean; enabled: boolean };
  assert.match(out.unit, /^gt-daemon-[0-9a-f]{12}\.service$/);
  assert.is(out.path, join(xdg, 'systemd', 'user', out.unit));
  assert.equal([out.changed, out.enabled], [true, false]);
  const unit = readFileSync(out.path, 'utf8');
  assert.match(unit, /^Restart=on-failure$/m);
  assert.match(unit, /^Environment=GT_DAEMON_SUPERVISOR=systemd$/m);
  assert.match(unit, /^Environment="PATH=[^"]*"$/m, 'the installing shell\'s PATH (the agent CLIs) is carried');
  assert.ok(unit.includes(`"daemon" "run" "--town" "${town.root}"`), unit);
  assert.match(unit, /^WantedBy=default\.target$/m);
  const again = await gt(['daemon', 'install', '--town', town.root], { env: { XDG_CONFIG_HOME: xdg } });
  assert.is(again.code, 0, again.stderr);
  assert.match(again.stdout, new RegExp(`^unchanged: ${out.path.replace(/[.]/g, '\\.')}`));
  assert.match(again.stdout, new RegExp(`systemctl --user enable --now ${out.unit.replace(/[.]/g, '\\.')}`));
  const help = await gt(['daemon', 'install', '--help']);
  assert.is(help.code, 0);
  assert.match(help.stdout, /Restart=on-failure/);
  assert.ok(existsSync(out.path));
});

test.run();

/**
 * Fault 8: with ESTOP present the daemon starts, kills and restarts nothing across many ticks
 * (a dead agent stays dead, a zombie stays as it is); `gt thaw` brings both back at once.
 * Also covers `gt estop` / `gt thaw` themselves.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { faultTown, matching, type FaultTown } from '../helpers/engine-faults.js';
import { gt, readJson, waitFor } from '../helpers/town.js';

let ft: FaultTown;

test.before(async () => {
  ft = await faultTown({
    settings: { daemon: { recovery_interval: '200ms' }, restart: { initial_backoff: '100ms', max_backoff: '200ms' } },
  });
});
test.after(async () => {
  await ft.teardown();
});

const liveness = async (identity: string): Promise<string> =>
  (JSON.parse(await ft.gtOk(['agents', '--json'])) as Array<{ identity: string; liveness: string }>).find((a) => a.identity === identity)?.liveness ?? 'none';

test('gt estop / gt thaw: create and remove <town>/ESTOP, idempotent, with --json status', async () => {
  const estop = join(ft.root, 'ESTOP');
  const set = JSON.parse(await ft.gtOk(['estop', '--reason', 'testing the brakes', '--json']));
  assert.is(set.set, true);
  assert.is(set.changed, true);
  assert.is(set.reason, 'testing the brakes');
  assert.ok(existsSync(estop));
  assert.is(readJson(estop).reason, 'testing the brakes');
  const again = await gt(['estop', '--reason', 'other', '--town', ft.root]);
  assert.is(again.code, 0);
  assert.match(again.stdout, /already set/);
  assert.is(readJson(estop).reason, 'testing the brakes', 'the first record is kept');
  assert.is(JSON.parse(await ft.gtOk(['estop', '--status', '--json'])).set, true);
  const thaw = JSON.parse(await ft.gtOk(['thaw', '--json']));
  assert.is(thaw.changed, true);
  assert.not.ok(existsSync(estop));
  assert.is(JSON.parse(await ft.gtOk(['thaw', '--json'])).changed, false);
  assert.is(JSON.parse(await ft.gtOk(['estop', '--status', '--json'])).set, false);
  const help = await gt(['estop', '--help']);
  assert.is(help.code, 0);
  assert.match(help.stdout, /usage: gt estop/);
  assert.match((await gt(['thaw', '--help'])).stdout, /usage: gt thaw/);
});

test('ESTOP present: a killed agent is not restarted and a zombie not replaced over many ticks; thaw restores both', async () => {
  await ft.gtOk(['daemon', 'start']);
  await waitFor('deacon and mayor up', async () => (await liveness('deacon')) === 'alive' && (await liveness('mayor')) === 'alive', 20_000);
  await ft.waitTicks(2);

  // A plain file counts, however it got there.
  writeFileSync(join(ft.root, 'ESTOP'), '');
  await ft.waitTicks(1);
  const mark = ft.log().length;
  ft.tmux('kill-session', '-t', '=hq-mayor');
  // The deacon's agent is replaced by a plain process: a zombie the daemon would normally replace.
  ft.tmux('respawn-pane', '-k', '-t', '=hq-deacon:', 'sh', '-c', 'exec sleep 600');
  const zombiePid = ft.panePid('hq-deacon');
  // A process that just started is 'unknown' for the startup grace (5s, counted from its real
  // start): it is a zombie once that has passed.
  await waitFor('the deacon seen as a zombie', async () => (await liveness('deacon')) === 'zombie', 20_000);

  const ticks0 = ft.tickCount();
  await ft.waitTicks(12);
  const gated = ft.log().slice(mark);
  assert.ok(ft.tickCount() - ticks0 >= 12);
  assert.not.ok(ft.sessions().includes('hq-mayor'), 'mayor not restarted under ESTOP');
  assert.is(ft.panePid('hq-deacon'), zombiePid, 'the zombie deacon not killed or replaced under ESTOP');
  assert.equal(matching(gated, /\b(started|restarted|killed|nudged) [a-z]/), [], gated.join('\n'));
  // The fast path fired for the dead mayor, and its tick was gated too.
  assert.ok(matching(gated, /fast path: session-closed|fast path: pane-exited/).length >= 1, gated.join('\n'));
  // Logged once per episode (the gate opened before `mark`), not once per tick.
  assert.is(matching(ft.log(), /ESTOP is set .*managing no agents/).length, 1);

  const t0 = Date.now();
  const thaw = JSON.parse(await ft.gtOk(['thaw', '--json']));
  assert.is(thaw.changed, true);
  assert.type(thaw.daemon, 'number');
  await waitFor('mayor and deacon alive again after thaw', async () => (await liveness('deacon')) === 'alive' && (await liveness('mayor')) === 'alive', 15_000);
  // The log line follows the start's health window.
  await waitFor('both starts logged', () => matching(ft.log().slice(mark), /\b(started mayor|restarted deacon)\b/).length >= 2, 10_000);
  console.log(`figures: ${ft.tickCount() - ticks0} gated ticks; both agents back ${Date.now() - t0}ms after gt thaw`);
  assert.is.not(ft.panePid('hq-deacon'), zombiePid);
  const thawed = ft.log().slice(mark);
  assert.is(matching(thawed, /\bstarted mayor\b/).length, 1, thawed.join('\n'));
  assert.is(matching(thawed, /\brestarted deacon\b/).length, 1);
});

test.run();

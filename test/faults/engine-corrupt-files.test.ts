/**
 * Fault 12: corrupt daemon/restart_state.json, deacon/heartbeat.json and an agent heartbeat file
 * (.runtime/heartbeats/<session>.json). Each is logged once (not once per tick), treated as
 * absent, and the daemon keeps running and supervising. A file that becomes readable and then
 * corrupt again is a new episode and is logged again.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { faultTown, matching, type FaultTown } from '../helpers/engine-faults.js';
import { lockExclusive } from '../../internal/fsx/flock.js';
import { townLayout } from '../../internal/town/layout.js';
import { daemonPids, readJson, waitFor } from '../helpers/town.js';

let ft: FaultTown;
let daemon: number;

const alive = async (): Promise<boolean> => {
  const agents = JSON.parse(await ft.gtOk(['agents', '--json'])) as Array<{ identity: string; liveness: string }>;
  return ['deacon', 'mayor'].every((id) => agents.find((a) => a.identity === id)?.liveness === 'alive');
};

test.before(async () => {
  ft = await faultTown({
    settings: { daemon: { recovery_interval: '200ms' }, restart: { initial_backoff: '100ms', max_backoff: '200ms' } },
    // The sims write their heartbeat file once at start and then leave it alone (so our corrupt
    // copy stays corrupt for the whole observation).
    env: { GT_SIM_HEARTBEAT_INTERVAL: '1h' },
  });
  await ft.gtOk(['daemon', 'start']);
  await waitFor('deacon and mayor alive', alive, 20_000);
  await waitFor('first tick done', () => ft.tickCount() >= 1, 20_000);
  await waitFor('mayor heartbeat written', () => readJson(join(ft.root, '.runtime', 'heartbeats', 'hq-mayor.json')).timestamp, 10_000);
  [daemon] = daemonPids(ft.root) as [number];
});
test.after(async () => {
  await ft.teardown();
});

/**
 * Corrupt `file`, watch `ticks` ticks, return the log lines since. With `lockFile`, the write is
 * made holding that lock: the daemon loads and saves its restart state under it for a whole tick,
 * and a write landing between its load and its save would just be overwritten, unseen.
 */
async function corruptAndWatch(file: string, content: string, ticks = 10, lockFile?: string): Promise<string[]> {
  const mark = ft.log().length;
  const held = lockFile ? await lockExclusive(lockFile, 20_000) : undefined;
  if (lockFile && !held) throw new Error(`could not take ${lockFile} within 20s`);
  try {
    writeFileSync(file, content);
  } finally {
    held?.release();
  }
  await ft.waitTicks(ticks);
  return ft.log().slice(mark);
}

function assertSteady(lines: string[]): void {
  assert.equal(daemonPids(ft.root), [daemon], 'the daemon keeps running');
  assert.equal(matching(lines, /tick failed|uncaught|unhandled/), [], lines.join('\n'));
  assert.equal(matching(lines, /\b(started|restarted|killed|nudged) [a-z]/), [], 'nothing was started, killed or nudged because of it');
}

test('a corrupt agent heartbeat file: one warning over many ticks, the agent left alone', async () => {
  const file = join(ft.root, '.runtime', 'heartbeats', 'hq-mayor.json');
  const mayor = ft.panePid('hq-mayor');
  const lines = await corruptAndWatch(file, '{"timestamp": "yesterday-ish", "state": ');
  const warned = matching(lines, /\.runtime\/heartbeats\/hq-mayor\.json.*treated as absent/);
  assert.is(warned.length, 1, lines.join('\n'));
  assert.match(warned[0]!, / WARN /);
  assertSteady(lines);
  assert.is(ft.panePid('hq-mayor'), mayor);
  assert.ok(await alive());
  // Readable again (valid content), then corrupt in another way: a new episode, logged again.
  const fixed = await corruptAndWatch(file, JSON.stringify({ timestamp: new Date().toISOString(), state: 'idle' }), 3);
  assert.equal(matching(fixed, /hq-mayor\.json/), []);
  const again = await corruptAndWatch(file, JSON.stringify({ timestamp: 12, state: '' }), 5);
  assert.is(matching(again, /\.runtime\/heartbeats\/hq-mayor\.json.*treated as absent/).length, 1, again.join('\n'));
});

test('a corrupt deacon/heartbeat.json: one warning over many ticks, the deacon left alone', async () => {
  const file = join(ft.root, 'deacon', 'heartbeat.json');
  const deacon = ft.panePid('hq-deacon');
  const lines = await corruptAndWatch(file, '\u0000\u0001garbage\u00ff');
  assert.is(matching(lines, /deacon\/heartbeat\.json.*treated as absent/).length, 1, lines.join('\n'));
  assertSteady(lines);
  assert.is(ft.panePid('hq-deacon'), deacon);
  // `gt deacon heartbeat` (what the deacon's patrol runs) replaces it; the warning stops for good.
  const fixed = await corruptAndWatch(file, JSON.stringify({ timestamp: new Date().toISOString(), cycle: 3 }), 3);
  assert.equal(matching(fixed, /deacon\/heartbeat\.json/), []);
});

test('a corrupt daemon/restart_state.json: one warning, loaded as empty and rewritten whole; again later, logged again', async () => {
  const file = join(ft.root, 'daemon', 'restart_state.json');
  const lock = townLayout(ft.root).restartStateLock;
  assert.ok(readJson(file).agents.deacon, 'the tracker knows the deacon before the fault');
  const lines = await corruptAndWatch(file, '{"version": 1, "agents": {"deacon": {"restarts": "many"', 10, lock);
  const warned = matching(lines, /restart.state.*starting with an empty/i);
  assert.is(warned.length, 1, lines.join('\n'));
  assertSteady(lines);
  // Treated as absent: the next save writes a valid (fresh) file.
  const rewritten = readJson(file);
  assert.is(rewritten.version, 2);
  assert.type(rewritten.agents, 'object');
  // A second, separate corruption (the ticks watched above loaded the rewritten file, readable,
  // which ended the first episode) is reported again (once).
  const again = await corruptAndWatch(file, '[]', 10, lock);
  assert.is(matching(again, /restart.state.*starting with an empty/i).length, 1, again.join('\n'));
  assertSteady(again);
  // Still supervising: a killed agent comes back.
  const mark = ft.log().length;
  ft.tmux('kill-session', '-t', '=hq-mayor');
  await waitFor('mayor restarted', () => matching(ft.log().slice(mark), /\bstarted mayor\b/).length === 1, 15_000);
  await waitFor('mayor alive', alive, 10_000);
});

test.run();

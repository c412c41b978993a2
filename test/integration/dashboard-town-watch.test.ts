/**
 * What wakes the dashboard without polling: inotify on the town's files. A ledger write, the
 * rigs registry, ESTOP, the restart record and agents' heartbeat files wake it; reading the town
 * (which opens and closes SQLite's WAL) does not, so a page never drives a read loop; a removed
 * town is noticed.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TownWatcher } from '../../internal/dashboard/town-watch.js';
import { readSnapshot } from '../../internal/dashboard/views.js';
import { townLayout } from '../../internal/town/layout.js';
import { gt, makeTown, waitFor, type TempTown } from '../helpers/town.js';

let town: TempTown;
let watcher: TownWatcher;
const seen: string[] = [];
let gone = 0;
const settle = () => new Promise((r) => setTimeout(r, 400));

test.before(async () => {
  town = await makeTown({ agent: 'sim' });
  // A first write, so the ledger's files exist as they do in a town in use.
  await gt(['mail', 'send', 'mayor', '-s', 'hello', '-m', 'first', '--town', town.root]);
  watcher = new TownWatcher(townLayout(town.root), (why) => seen.push(why), () => gone++);
  watcher.start();
  await settle();
  seen.length = 0;
});

test.after(async () => {
  watcher.stop();
  await town.cleanup();
});

test('reading the town (agents, rigs, merge queue from the ledger) wakes nothing', async () => {
  for (let i = 0; i < 3; i++) await readSnapshot(town.root, { running: false, pid: null });
  await settle();
  assert.equal(seen, []);
});

test('a ledger write wakes it', async () => {
  const r = await gt(['mail', 'send', 'mayor', '-s', 'hi', '-m', 'there', '--town', town.root]);
  assert.is(r.code, 0, r.stderr);
  await waitFor('a ledger event', () => seen.some((w) => /ledger/.test(w)), 5_000);
  seen.length = 0;
});

test('ESTOP, the rigs registry, the restart record and a heartbeat file wake it', async () => {
  const root = town.root;
  writeFileSync(join(root, 'ESTOP'), '');
  await waitFor('estop', () => seen.some((w) => /emergency stop/.test(w)), 5_000);
  writeFileSync(join(root, 'mayor', 'rigs.json'), '{"version":1,"rigs":{}}\n');
  await waitFor('rigs', () => seen.some((w) => /rigs registry/.test(w)), 5_000);
  writeFileSync(join(root, 'daemon', 'restart_state.json'), '{}\n');
  await waitFor('restart record', () => seen.some((w) => /restart record/.test(w)), 5_000);
  // The heartbeats directory does not exist yet: it is watched once it appears.
  mkdirSync(join(root, '.runtime', 'heartbeats'), { recursive: true });
  await settle();
  writeFileSync(join(root, '.runtime', 'heartbeats', 'hq-mayor.json'), '{}\n');
  await waitFor('heartbeat', () => seen.some((w) => /own reports/.test(w)), 5_000);
  // Not everything: the daemon's state.json changes every tick and says nothing the page shows.
  seen.length = 0;
  writeFileSync(join(root, 'daemon', 'state.json'), '{}\n');
  await settle();
  assert.equal(seen, []);
});

test('the town removed: noticed', async () => {
  rmSync(join(town.root, 'mayor'), { recursive: true, force: true });
  await waitFor('gone', () => gone > 0, 5_000);
});

test.run();

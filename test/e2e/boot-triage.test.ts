/**
 * Boot, the deacon's watchdog: when the deacon's heartbeat goes stale while work is in flight,
 * the daemon starts the short-lived boot session (once per deacon.boot_cooldown); the sim's boot
 * looks at the deacon, nudges it, and leaves. With no work in flight, no boot.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GT_BIN, gt, makeTown, readJson, townSocket, waitFor, type TempTown } from '../helpers/town.js';
import { makeSourceRepo } from '../helpers/rig-repo.js';

let town: TempTown;
let socket: string;
const tmux = (...args: string[]) => spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
const logLines = () => readFileSync(join(town.root, 'daemon', 'daemon.log'), 'utf8').split('\n').filter(Boolean);
const bootStarts = () => logLines().filter((l) => /started boot \(triage/.test(l));
const tickCount = () => readJson(join(town.root, 'daemon', 'state.json')).tick_count as number;

test.before(async () => {
  town = await makeTown({
    agent: 'sim',
    settings: {
      daemon: { recovery_interval: '250ms' },
      deacon: { grace: '300ms', stale_after: '1s', very_stale_after: '1h', boot_cooldown: '1h' },
      // The deacon hangs at once: it never writes deacon/heartbeat.json.
      agents: {
        hangsim: { command: process.execPath, args: [GT_BIN, 'sim'], process_names: ['gt-sim'], env: { GT_SIM_HANG: '1' } },
        // Polecats that keep their hook (work stays in flight); boot keeps its role work.
        idlesim: { command: process.execPath, args: [GT_BIN, 'sim'], process_names: ['gt-sim'], env: { GT_SIM_WORK: '0' } },
      },
      roles: { deacon: { agent: 'hangsim' }, polecat: { agent: 'idlesim' }, mayor: { enabled: false } },
    },
  });
  socket = await townSocket(town.root);
  town.daemonSettings({ env: { GT_SIM_HEARTBEAT_INTERVAL: '300ms' }, patrols: { witness: { enabled: false }, refinery: { enabled: false } } });
  makeSourceRepo(join(town.root, '..', 'src'));
  const add = await gt(['rig', 'add', 'shop', join(town.root, '..', 'src'), '--prefix', 'sh', '--town', town.root]);
  if (add.code !== 0) throw new Error(add.stderr);
});
test.after(async () => town.cleanup());

test('an idle town with a silent deacon gets no boot', async () => {
  assert.is((await gt(['daemon', 'start', '--town', town.root])).code, 0);
  await waitFor('the deacon started', () => logLines().some((l) => /started deacon/.test(l)), 20_000, 100);
  const t0 = tickCount();
  await waitFor('8 ticks past stale_after', () => tickCount() >= t0 + 8, 30_000, 100);
  assert.equal(bootStarts(), []);
});

test('work in flight and a stale deacon: boot is started once, nudges the deacon and leaves', async () => {
  const bead = JSON.parse((await gt(['bead', 'create', '--rig', 'shop', '--title', 'Needs a patrol', '--json', '--town', town.root])).stdout).id;
  assert.is((await gt(['sling', bead, 'shop', '--town', town.root])).code, 0);
  await waitFor('boot started for triage', () => bootStarts().length === 1, 30_000, 100);
  await waitFor('the boot check typed into the deacon', () => tmux('capture-pane', '-p', '-J', '-t', '=hq-deacon:').stdout.includes('BOOT_CHECK'), 30_000, 200);
  await waitFor('boot to leave by itself', () => tmux('has-session', '-t', '=hq-boot').status !== 0, 30_000, 200);
  // The cooldown holds: many more ticks, still one boot.
  const t0 = tickCount();
  await waitFor('8 more ticks', () => tickCount() >= t0 + 8, 30_000, 100);
  assert.is(bootStarts().length, 1);
});

test.run();

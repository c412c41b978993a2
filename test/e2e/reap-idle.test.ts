/**
 * polecats.idle_reap (issue 11): a polecat with no open hook, idle that long, is reaped like a
 * done one (session ended, worktree removed, branch deleted, its slot freed), by the daemon's own
 * deadline once it has seen the closed hook (the recovery interval here is 10 minutes: no
 * interval tick helps). The sim polecat
 * does no work (GT_SIM_WORK=0) and reports idle; a person closes its bead, so its hook is no
 * longer open. idle_reap is 3 s here (15 min by default) to keep the test short. With
 * polecats.keep_done the same reap keeps the worktree and branch.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { daemonPids, gt, makeTown, townSocket, waitFor, type TempTown } from '../helpers/town.js';
import { gitIn, makeSourceRepo } from '../helpers/rig-repo.js';
import { spawnSync } from 'node:child_process';

let town: TempTown;
let socket: string;
const ok = async (args: string[]) => {
  const r = await gt([...args, '--town', town.root], { timeoutMs: 90_000 });
  assert.is(r.code, 0, `gt ${args.join(' ')}: ${r.stderr}${r.stdout}`);
  return r.stdout;
};
const hasSession = (s: string) => spawnSync('tmux', ['-L', socket, 'has-session', '-t', `=${s}`]).status === 0;

test.before(async () => {
  town = await makeTown({
    agent: 'sim',
    settings: { daemon: { recovery_interval: '10m' }, polecats: { idle_reap: '3s' }, roles: { mayor: { enabled: false }, refinery: { enabled: false } } },
    daemonSettings: { env: { GT_SIM_WORK: '0', GT_SIM_HEARTBEAT_INTERVAL: '500ms' } },
  });
  socket = await townSocket(town.root);
  makeSourceRepo(join(town.root, '..', 'src'));
  await ok(['rig', 'add', 'shop', join(town.root, '..', 'src'), '--prefix', 'sh']);
  await ok(['daemon', 'start']);
});
test.after(async () => {
  await town.cleanup();
});

test('a polecat whose hook was closed, idle for polecats.idle_reap, is reaped by the deadline', async () => {
  const bead = (await ok(['bead', 'create', '--rig', 'shop', '--title', 'never done'])).trim();
  const slung = JSON.parse(await ok(['sling', bead, 'shop', '--json'])) as { session: string; worktree: string; identity: string; polecat: string };
  assert.ok(hasSession(slung.session));
  // Held while its hook is open, however idle (well past idle_reap).
  await new Promise((r) => setTimeout(r, 5_000));
  assert.ok(hasSession(slung.session), 'a polecat with an open hook is never idle-reaped');

  await ok(['bead', 'close', bead]);
  // One look by the daemon (any event, or the interval: closing a bead does not wake it); from
  // then on its own deadline reaps the polecat, with no further event.
  await ok(['daemon', 'tick']);
  await waitFor('the idle polecat reaped', () => !hasSession(slung.session), 30_000, 200);
  const log = readFileSync(join(town.root, 'daemon', 'daemon.log'), 'utf8');
  assert.match(log, new RegExp(`reaped ${slung.identity.replace(/\//g, '\\/')} \\(idle with no hook for \\d`));
  assert.not.ok(existsSync(slung.worktree), 'worktree removed');
  assert.is(gitIn(join(town.root, 'shop', 'mayor', 'rig'), ['branch', '--list', `polecat/${slung.polecat}`]), '', 'branch deleted');
});

test('with polecats.keep_done (set at SIGHUP) the reap ends the session and frees the slot, and keeps the worktree and branch', async () => {
  town.settings({ polecats: { idle_reap: '3s', keep_done: true } });
  const [daemon] = daemonPids(town.root);
  process.kill(daemon!, 'SIGHUP');
  const bead = (await ok(['bead', 'create', '--rig', 'shop', '--title', 'kept work'])).trim();
  const slung = JSON.parse(await ok(['sling', bead, 'shop', '--json'])) as { session: string; worktree: string; identity: string; polecat: string };
  await ok(['bead', 'close', bead]);
  await ok(['daemon', 'tick']);
  await waitFor('the idle polecat reaped', () => !hasSession(slung.session), 30_000, 200);
  const log = readFileSync(join(town.root, 'daemon', 'daemon.log'), 'utf8');
  assert.match(log, new RegExp(`reaped ${slung.identity.replace(/\//g, '\\/')} \\(idle with no hook for [^)]*\\); worktree and branch kept`));
  assert.ok(existsSync(slung.worktree), 'worktree kept');
  assert.is(gitIn(join(town.root, 'shop', 'mayor', 'rig'), ['branch', '--list', `polecat/${slung.polecat}`]).replace(/^[*+ ]+/, ''), `polecat/${slung.polecat}`, 'branch kept');
  const agent = JSON.parse(await ok(['sling', '--list', '--json'])).polecats.find((p: { identity: string }) => p.identity === slung.identity);
  assert.is(agent, undefined, 'its slot is free (no longer a polecat at work)');
});

test.run();

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import pty from 'node-pty';
import { daemonPids, gt, makeTown, pidsWithEnv, readJson, townSocket, waitFor, type TempTown } from '../helpers/town.js';

let town: TempTown;
let socket: string;
const tmux = (...args: string[]) => spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
const sessions = () => {
  const r = tmux('list-sessions', '-F', '#{session_name}');
  return r.status === 0 ? r.stdout.trim().split('\n').filter(Boolean).sort() : [];
};

test.before(async () => {
  town = await makeTown({ agent: 'sim', settings: { daemon: { recovery_interval: '10m' } } });
  socket = await townSocket(town.root);
  // Agents that ignore SIGHUP and leave a setsid child behind: gt down must still end them all.
  town.daemonSettings({ env: { GT_SIM_IGNORE_SIGHUP: '1', GT_SIM_SETSID_CHILD: '1', GT_SIM_HEARTBEAT_INTERVAL: '1s' } });
});
test.after(async () => {
  tmux('kill-server');
  await town.cleanup();
});

test('gt up starts the daemon and the deacon and mayor sessions; running it again changes nothing', async () => {
  const r = await gt(['up', '--json', '--town', town.root]);
  assert.is(r.code, 0, r.stderr + r.stdout);
  const out = JSON.parse(r.stdout);
  // The daemon gt up just started may have won the race to start a session: both count.
  for (const s of out.sessions as Array<{ session: string; status: string }>) assert.ok(['started', 'running'].includes(s.status), `${s.session}: ${s.status}`);
  assert.equal(sessions(), ['hq-deacon', 'hq-mayor']);
  assert.equal(daemonPids(town.root), [out.daemon.pid]);
  const again = await gt(['up', '--json', '--town', town.root]);
  assert.equal(JSON.parse(again.stdout).sessions.map((s: { status: string }) => s.status), ['running', 'running']);
  assert.is(JSON.parse(again.stdout).daemon.started, false);
});

test('gt agents shows both alive with their runtime; heartbeat files appear', async () => {
  const r = await gt(['agents', '--json', '--town', town.root]);
  assert.is(r.code, 0, r.stderr);
  const agents = JSON.parse(r.stdout) as Array<{ identity: string; liveness: string; runtime: string; session: string }>;
  assert.equal(agents.map((a) => `${a.identity}:${a.liveness}:${a.runtime}`).sort(), ['deacon:alive:sim', 'mayor:alive:sim']);
  await waitFor('heartbeat file', () => readJson(join(town.root, '.runtime', 'heartbeats', 'hq-deacon.json')).timestamp);
});

test('a real terminal attached with tmux attach shows the sim prompt', async () => {
  const term = pty.spawn('tmux', ['-L', socket, 'attach-session', '-t', '=hq-deacon'], {
    name: 'xterm-256color',
    cols: 120,
    rows: 30,
    env: { ...process.env, TMUX: '' } as Record<string, string>,
  });
  let screen = '';
  term.onData((d) => (screen += d));
  try {
    await waitFor('the sim prompt on the attached screen', () => /gt-sim \[deacon\]>/.test(screen), 15_000);
  } finally {
    term.kill();
  }
  assert.equal(sessions(), ['hq-deacon', 'hq-mayor'], 'detaching leaves the session running');
});

test('gt nudge types into the agent and the sim answers', async () => {
  const r = await gt(['nudge', 'deacon', 'check', 'the', 'queue', '--town', town.root]);
  assert.is(r.code, 0, r.stderr + r.stdout);
  await waitFor('the echo', () => tmux('capture-pane', '-p', '-t', '=hq-deacon:').stdout.includes('received: check the queue'));
});

test('attach and nudge name a missing or malformed agent clearly', async () => {
  const none = await gt(['nudge', 'boot', 'hi', '--town', town.root]);
  assert.is(none.code, 1);
  assert.match(none.stderr, /boot has no session \(hq-boot/);
  for (const hostile of ['a;rm -rf x', '$(id)', "it's", 'two words', 'ünï']) {
    const r = await gt(['attach', hostile, '--town', town.root]);
    assert.is(r.code, 1, hostile);
    assert.is(r.stderr.trim().split('\n').length, 1);
    assert.match(r.stderr, /no agent /);
  }
  const noTty = await gt(['attach', 'deacon', '--town', town.root]);
  assert.is(noTty.code, 1);
  assert.match(noTty.stderr, /needs a terminal/);
});

test('a zombie session (agent gone, shell left) is replaced by gt up', async () => {
  const before = tmux('display-message', '-p', '-t', '=hq-mayor:', '#{pane_pid}').stdout.trim();
  // Replace the agent with a plain shell: the session exists but the agent does not.
  tmux('respawn-pane', '-k', '-t', '=hq-mayor:', 'sh', '-c', 'exec sleep 600');
  const zombie = JSON.parse((await gt(['agents', '--json', '--town', town.root])).stdout).find((a: { identity: string }) => a.identity === 'mayor');
  assert.is(zombie.liveness, 'zombie');
  const r = await gt(['up', '--json', '--town', town.root]);
  const mayor = JSON.parse(r.stdout).sessions.find((s: { session: string }) => s.session === 'hq-mayor');
  assert.is(mayor.status, 'restarted');
  const after = tmux('display-message', '-p', '-t', '=hq-mayor:', '#{pane_pid}').stdout.trim();
  assert.is.not(after, before);
  await waitFor('mayor alive again', async () => JSON.parse((await gt(['agents', '--json', '--town', town.root])).stdout).find((a: { identity: string }) => a.identity === 'mayor').liveness === 'alive');
});

test('gt down leaves zero sessions, zero agent processes (setsid children included), zero daemons', async () => {
  await waitFor('setsid children recorded', () => readJson(join(town.root, '.runtime', 'heartbeats', 'hq-deacon.json')).child_pid);
  const agentPids = pidsWithEnv('GT_TOWN_ROOT', town.root);
  assert.ok(agentPids.length >= 4, `expected sims and their children, found ${agentPids.length}`);
  const r = await gt(['down', '--json', '--town', town.root]);
  assert.is(r.code, 0, r.stderr + r.stdout);
  const out = JSON.parse(r.stdout);
  assert.equal(out.sessions, ['hq-deacon', 'hq-mayor']);
  assert.equal(out.remaining, []);
  assert.type(out.daemon, 'number');
  assert.equal(sessions(), []);
  await waitFor('every agent process gone', () => pidsWithEnv('GT_TOWN_ROOT', town.root).length === 0, 10_000);
  assert.equal(daemonPids(town.root), []);
  const again = await gt(['down', '--town', town.root]);
  assert.is(again.code, 0);
  assert.match(again.stdout, /no sessions were running/);
});

test.run();

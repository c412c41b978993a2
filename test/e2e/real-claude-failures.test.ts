/**
 * A real Claude Code polecat when the model cannot be reached (offline, on loopback):
 * - the scripted model server is down: the agent starts, its first turn ends on the connection
 *   error, its StopFailure hook records the error and message, and `gt agents` / `gt status` show
 *   it; the agent is at its prompt, not dead, and not restarted;
 * - its service cannot be reached at start (a HOME where onboarding was never done, so Claude
 *   checks its vendor and exits): the start failure keeps the program's last output lines, so the
 *   connection error (not just the vendor's closing words) reaches sling's error, the daemon's
 *   log, `gt agents` and the CRASHED_POLECAT mail.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { makeTown, townSocket, waitFor, type TempTown } from '../helpers/town.js';
import { makeSourceRepo } from '../helpers/rig-repo.js';
import { assertAgentClis, claudeDoneOnce, gtAs, launcherEnv, makeAgentHome, modelEnv, type AgentHome } from '../helpers/real-agents.js';

/** A loopback port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

interface Setup {
  town: TempTown;
  home: AgentHome;
  run: ReturnType<typeof gtAs>;
  socket: string;
  bead: string;
}
const setups: Setup[] = [];

async function setup(opts: { onboarded: boolean; daemonEnv: Record<string, string>; settings?: Record<string, unknown> }): Promise<Setup> {
  assertAgentClis('claude');
  const home = makeAgentHome();
  if (opts.onboarded) claudeDoneOnce(home);
  const town = await makeTown({ agent: 'sim', settings: { daemon: { recovery_interval: '1s' }, roles: { polecat: { agent: 'claude' } }, ...opts.settings } });
  const run = gtAs(launcherEnv(home));
  const s: Setup = { town, home, run, socket: await townSocket(town.root), bead: '' };
  setups.push(s);
  makeSourceRepo(join(town.root, '..', 'src'));
  const add = await run(['rig', 'add', 'shop', join(town.root, '..', 'src'), '--prefix', 'sh', '--town', town.root]);
  if (add.code !== 0) throw new Error(add.stderr);
  s.bead = JSON.parse((await run(['bead', 'create', '--rig', 'shop', '--title', 'Unreachable', '--json', '--town', town.root])).stdout).id;
  town.daemonSettings({ env: { ...opts.daemonEnv, GT_SIM_HEARTBEAT_INTERVAL: '500ms' } });
  return s;
}

test.after(async () => {
  for (const s of setups) {
    await s.run(['down', '--town', s.town.root]).catch(() => undefined);
    spawnSync('tmux', ['-L', s.socket, 'kill-server']);
    await s.town.cleanup();
    rmSync(s.home.dir, { recursive: true, force: true });
  }
});

type AgentJson = { identity: string; liveness: string; crashes: number; last_exit: unknown; activity: { state: string; error?: string; message?: string; event?: string } };

test('model server down: the turn ends on the connection error, recorded by the hook and shown by gt agents and gt status; no restart', async () => {
  const port = await closedPort();
  const s = await setup({ onboarded: true, daemonEnv: modelEnv(`http://127.0.0.1:${port}`) });
  assert.is((await s.run(['daemon', 'start', '--town', s.town.root])).code, 0);
  const sl = await s.run(['sling', s.bead, 'shop', '--json', '--town', s.town.root], { timeoutMs: 90_000 });
  assert.is(sl.code, 0, sl.stderr + sl.stdout);
  assert.is(JSON.parse(sl.stdout).started, true, 'the CLI itself starts fine');
  const me = await waitFor('the connection error in gt agents', async () => {
    const all = JSON.parse((await s.run(['agents', '--json', '--town', s.town.root])).stdout) as AgentJson[];
    const a = all.find((x) => x.identity === 'shop/polecats/furiosa');
    return a?.activity.error ? a : undefined;
  }, 90_000, 250).catch((e) => {
    throw new Error(`${e}\npane:\n${spawnSync('tmux', ['-L', s.socket, 'capture-pane', '-p', '-t', '=sh-furiosa:'], { encoding: 'utf8' }).stdout}`);
  });
  assert.is(me.activity.state, 'idle');
  assert.is(me.activity.event, 'StopFailure');
  assert.is(me.activity.error, 'server_error');
  assert.match(me.activity.message ?? '', /Unable to connect to API \(ConnectionRefused\)/);
  assert.is(me.liveness, 'alive');
  const status = await s.run(['status', '--town', s.town.root]);
  assert.match(status.stdout, /idle \d+s \(API Error: Unable to connect to API \(ConnectionRefused\)\)/);
  // Several ticks later: still the same process, never restarted.
  const ticks = (await s.run(['daemon', 'status', '--json', '--town', s.town.root])).stdout;
  const t0 = JSON.parse(ticks).tick_count as number;
  await waitFor('three more ticks', async () => (JSON.parse((await s.run(['daemon', 'status', '--json', '--town', s.town.root])).stdout).tick_count as number) >= t0 + 3, 30_000, 250);
  const later = (JSON.parse((await s.run(['agents', '--json', '--town', s.town.root])).stdout) as AgentJson[]).find((x) => x.identity === 'shop/polecats/furiosa')!;
  // No restart: the agent never died (the daemon's record of it has no end of a run).
  assert.equal([later.crashes, later.last_exit], [0, null]);
  assert.is(later.liveness, 'alive');
});

test('service unreachable at start: the start failure keeps its last lines, so sling, the log, gt agents and the CRASHED_POLECAT mail name ECONNREFUSED', async () => {
  const port = await closedPort();
  const s = await setup({
    onboarded: false,
    daemonEnv: { ...modelEnv(`http://127.0.0.1:${port}`), HTTPS_PROXY: `http://127.0.0.1:${port}`, https_proxy: `http://127.0.0.1:${port}` },
    settings: { agents_health: { spawning_grace: '1s' }, restart: { initial_backoff: '1s' } },
  });
  const sl = await s.run(['sling', s.bead, 'shop', '--json', '--town', s.town.root], { timeoutMs: 90_000 });
  const out = JSON.parse(sl.stdout) as { started: boolean; error?: string };
  assert.is(out.started, false, `${sl.stdout}\npane:\n${spawnSync('tmux', ['-L', s.socket, 'capture-pane', '-p', '-t', '=sh-furiosa:'], { encoding: 'utf8' }).stdout}`);
  // The cause and the vendor's closing words, not only the last line.
  assert.match(out.error ?? '', /claude exited with status 1; last output: .*ECONNREFUSED.*supported-countries/, out.error);
  // The daemon, started after, restarts the polecat (its bead is on its hook) and fails the same way.
  assert.is((await s.run(['daemon', 'start', '--town', s.town.root])).code, 0);
  const mail = await waitFor('CRASHED_POLECAT mail to the witness', async () => {
    const inbox = JSON.parse((await s.run(['mail', 'inbox', 'shop/witness', '--json', '--town', s.town.root])).stdout) as Array<{ id: string; subject: string }>;
    return inbox.find((m) => m.subject.startsWith('CRASHED_POLECAT: shop/furiosa'));
  }, 60_000, 250).catch((e) => {
    throw new Error(`${e}\ndaemon log:\n${readFileSync(join(s.town.root, 'daemon', 'daemon.log'), 'utf8')}`);
  });
  const body = JSON.parse((await s.run(['mail', 'read', mail.id, '--json', '--town', s.town.root])).stdout) as { body: string };
  assert.match(body.body, /ECONNREFUSED/);
  const daemonLog = readFileSync(join(s.town.root, 'daemon', 'daemon.log'), 'utf8');
  assert.match(daemonLog, /(re)?start shop\/polecats\/furiosa failed: claude exited with status 1; last output: .*ECONNREFUSED/, daemonLog);
  const agents = JSON.parse((await s.run(['agents', '--json', '--town', s.town.root])).stdout) as Array<{ identity: string; last_start_error: { message: string } | null }>;
  assert.match(agents.find((a) => a.identity === 'shop/polecats/furiosa')!.last_start_error?.message ?? '', /ECONNREFUSED/);
});

test.run();

/**
 * A real Claude Code polecat when the model cannot be reached (offline, on loopback):
 * - the scripted model server is down: the agent starts, its first turn ends on the connection
 *   error, its StopFailure hook records the error and message, and `gt agents` / `gt status` show
 *   it; the agent is at its prompt, not dead, and not restarted; the daemon's log and one
 *   API_ERROR mail to the witness name the connection error;
 * - then the model server comes up on that port answering every request with a 429 usage limit
 *   (same town, same agent): the hook reports blocked: usage-limit, `gt agents` shows it, the
 *   daemon neither restarts nor nudges it nor counts a crash, sends one USAGE_LIMIT mail, and
 *   nudges it once when agents_health.usage_limit_pause ends;
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
import { startModelServer, type ModelServer } from '../../internal/modelserver/server.js';
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
  port: number;
}
const setups: Setup[] = [];
let server: ModelServer | undefined;

async function setup(opts: { onboarded: boolean; port: number; daemonEnv: Record<string, string>; settings?: Record<string, unknown> }): Promise<Setup> {
  assertAgentClis('claude');
  const home = makeAgentHome();
  if (opts.onboarded) claudeDoneOnce(home);
  const town = await makeTown({ agent: 'sim', settings: { daemon: { recovery_interval: '1s' }, roles: { polecat: { agent: 'claude' } }, ...opts.settings } });
  const run = gtAs(launcherEnv(home));
  const s: Setup = { town, home, run, socket: await townSocket(town.root), bead: '', port: opts.port };
  setups.push(s);
  makeSourceRepo(join(town.root, '..', 'src'));
  const add = await run(['rig', 'add', 'shop', join(town.root, '..', 'src'), '--prefix', 'sh', '--town', town.root]);
  if (add.code !== 0) throw new Error(add.stderr);
  s.bead = JSON.parse((await run(['bead', 'create', '--rig', 'shop', '--title', 'Unreachable', '--json', '--town', town.root])).stdout).id;
  town.daemonSettings({ env: { ...opts.daemonEnv, GT_SIM_HEARTBEAT_INTERVAL: '500ms' } });
  return s;
}

test.after(async () => {
  await server?.close();
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
  // The usage-limit test below reuses this town: a short pause so its resume is seen.
  const s = await setup({ onboarded: true, port, daemonEnv: modelEnv(`http://127.0.0.1:${port}`), settings: { agents_health: { usage_limit_pause: '20s' } } });
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
  // The daemon names the error: once in its log, once in a mail to the polecat's witness.
  const daemonLog = readFileSync(join(s.town.root, 'daemon', 'daemon.log'), 'utf8');
  const named = daemonLog.split('\n').filter((l) => /shop\/polecats\/furiosa: its turn ended on an API error: .*Unable to connect to API \(ConnectionRefused\)/.test(l));
  assert.is(named.length, 1, daemonLog);
  const inbox = JSON.parse((await s.run(['mail', 'inbox', 'shop/witness', '--json', '--town', s.town.root])).stdout) as Array<{ id: string; subject: string }>;
  const apiErrors = inbox.filter((m) => m.subject.startsWith('API_ERROR: shop/polecats/furiosa'));
  assert.is(apiErrors.length, 1, JSON.stringify(inbox));
  assert.match(apiErrors[0]!.subject, /Unable to connect to API \(ConnectionRefused\)/);
  const body = JSON.parse((await s.run(['mail', 'read', apiErrors[0]!.id, '--json', '--town', s.town.root])).stdout) as { body: string };
  assert.match(body.body, /error: server_error/);
});

test('usage limit (429): blocked: usage-limit in gt agents; no restart, no nudge, no crash counted; one USAGE_LIMIT mail; one nudge when the pause ends', async () => {
  const s = setups[0]!;
  const agentsJson = async () => (JSON.parse((await s.run(['agents', '--json', '--town', s.town.root])).stdout) as Array<AgentJson & { pid: number | null; crash_loop: string | null }>).find((x) => x.identity === 'shop/polecats/furiosa')!;
  const limitMails = async () =>
    (JSON.parse((await s.run(['mail', 'inbox', 'mayor/', '--all', '--json', '--town', s.town.root])).stdout) as Array<{ id: string; subject: string }>).filter((m) =>
      m.subject.startsWith('USAGE_LIMIT: shop/polecats/furiosa'),
    );
  const before = await agentsJson();
  // The model comes up where the agent looks for it, and says the account hit its usage limit.
  server = await startModelServer({
    port: s.port,
    script: { steps: [{ error: { status: 429, message: 'Usage limit reached for this organization; it resets later today', headers: { 'x-should-retry': 'false' } }, times: 1000 }] },
  });
  const nudged = await s.run(['nudge', 'shop/polecats/furiosa', 'Carry on with your hooked work.', '--town', s.town.root]);
  assert.is(nudged.code, 0, nudged.stderr);
  const limited = await waitFor('blocked: usage-limit in gt agents', async () => {
    const a = await agentsJson();
    return a.activity.state === 'blocked' && (a.activity as { reason?: string }).reason === 'usage-limit' ? a : undefined;
  }, 90_000, 250).catch((e) => {
    throw new Error(`${e}\npane:\n${spawnSync('tmux', ['-L', s.socket, 'capture-pane', '-p', '-t', '=sh-furiosa:'], { encoding: 'utf8' }).stdout}\nrequests: ${JSON.stringify(server!.requests())}`);
  });
  assert.is(limited.activity.event, 'StopFailure');
  const mail = await waitFor('one USAGE_LIMIT mail to the mayor', async () => ((await limitMails()).length ? await limitMails() : undefined), 30_000, 250);
  assert.is(mail.length, 1);
  const body = JSON.parse((await s.run(['mail', 'read', mail[0]!.id, '--json', '--town', s.town.root])).stdout) as { body: string };
  assert.match(body.body, /not restarted or nudged before, not counted as a crash/);
  const requestsAtLimit = server.requests().length;

  // Until the pause (20s) ends: ticks pass, the agent is left alone.
  const log = () => readFileSync(join(s.town.root, 'daemon', 'daemon.log'), 'utf8').split('\n');
  const resumeLine = await waitFor('the one nudge at the end of the pause', () => log().find((l) => /nudged shop\/polecats\/furiosa.*usage limit has reset/.test(l)), 60_000, 250);
  assert.ok(resumeLine);
  // The nudge reached Claude: it asked the model again (and hit the limit again: a new episode).
  await waitFor('a request after the resume', () => server!.requests().length > requestsAtLimit, 30_000, 250);
  const after = await agentsJson();
  assert.equal([after.crashes, after.last_exit, after.crash_loop], [0, null, null], 'never restarted, no crash, no crash loop');
  assert.is(after.pid, before.pid, 'the same claude process throughout');
  assert.is(after.liveness, 'alive');
  // Exactly one nudge from the daemon in all this (the HEALTH_CHECK and GUPP rules stayed away).
  assert.is(log().filter((l) => /nudged shop\/polecats\/furiosa/.test(l)).length, 1, log().join('\n'));
  assert.is(log().filter((l) => /restart(ed)? shop\/polecats\/furiosa/.test(l)).length, 0);
});

test('service unreachable at start: the start failure keeps its last lines, so sling, the log, gt agents and the CRASHED_POLECAT mail name ECONNREFUSED', async () => {
  const port = await closedPort();
  const s = await setup({
    onboarded: false,
    port,
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

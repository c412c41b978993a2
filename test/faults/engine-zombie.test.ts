/**
 * Fault 5 (issue 5): zombies. A session whose agent process died while its shell (or some other
 * program) lives on is detected by the tick and replaced, its old process tree killed. A pane that
 * runs the agent under a wrapper shell is left alone while the agent lives.
 *
 * The mayor runs under a wrapper: `sh -c "<node> <gt> sim; exec sleep 600"` (process name gt-sim),
 * so the pane's foreground command is `sh` and the agent is its child; when the agent dies the
 * wrapper goes on as `sleep`. The deacon is a plain sim whose pane gets replaced by a `sleep`.
 * Neither death closes a pane, so no tmux hook fires: the 1s recovery tick must notice.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { GT_BIN, gt, makeTown, readJson, townSocket, waitFor, type TempTown } from '../helpers/town.js';

let town: TempTown;
let socket: string;
const tmux = (...args: string[]) => spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
const logText = () => readFileSync(join(town.root, 'daemon', 'daemon.log'), 'utf8');
const tickCount = () => readJson(join(town.root, 'daemon', 'state.json')).tick_count as number;
const panePid = (session: string) => {
  const r = tmux('display-message', '-p', '-t', `=${session}:`, '#{pane_pid}');
  return r.status === 0 ? Number(r.stdout.trim()) : undefined;
};
const comm = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
};
const alive = (pid: number) => {
  try {
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};
/** Direct children of a pid (from /proc). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(e));
    } catch {
      // gone
    }
  }
  return out;
}
async function livenessOf(identity: string): Promise<string> {
  const r = await gt(['agents', '--json', '--town', town.root]);
  return (JSON.parse(r.stdout) as Array<{ identity: string; liveness: string }>).find((a) => a.identity === identity)!.liveness;
}

test.before(async () => {
  town = await makeTown({
    agent: 'sim',
    settings: {
      daemon: { recovery_interval: '1s' },
      restart: { initial_backoff: '1s' },
      agents: { wrapped: { command: 'sh', args: ['-c', `'${process.execPath}' '${GT_BIN}' sim; exec sleep 600`], process_names: ['gt-sim'] } },
      roles: { mayor: { agent: 'wrapped' } },
    },
  });
  socket = await townSocket(town.root);
  town.daemonSettings({ env: { GT_SIM_WORK: '0' } });
  const start = await gt(['daemon', 'start', '--town', town.root]);
  if (start.code !== 0) throw new Error(start.stderr);
});

test.after(async () => {
  await gt(['down', '--town', town.root]);
  tmux('kill-server');
  await town.cleanup();
});

let wrapperPid: number;
let agentPid: number;

test('an agent under a wrapper shell is alive and left alone over many ticks', async () => {
  await waitFor('the wrapped mayor running', async () => (await livenessOf('mayor')) === 'alive', 30_000, 200);
  await waitFor('its start logged', () => /started mayor/.test(logText()), 10_000);
  wrapperPid = panePid('hq-mayor')!;
  assert.is(comm(wrapperPid), 'sh');
  agentPid = await waitFor('the gt-sim child of the wrapper', () => childrenOf(wrapperPid).find((p) => comm(p) === 'gt-sim'), 10_000);
  assert.is(tmux('display-message', '-p', '-t', '=hq-mayor:', '#{pane_current_command}').stdout.trim(), 'sh');
  const ticks0 = tickCount();
  const restartsBefore = (logText().match(/started mayor|restarted mayor/g) ?? []).length;
  await waitFor('6 ticks', () => tickCount() >= ticks0 + 6, 20_000, 100);
  assert.is(panePid('hq-mayor'), wrapperPid, 'same wrapper');
  assert.ok(alive(agentPid), 'same agent');
  assert.is((logText().match(/started mayor|restarted mayor/g) ?? []).length, restartsBefore, 'no restart of a live wrapped agent');
  assert.not.match(logText(), /mayor.*zombie/);
});

test('the wrapped agent dies, its shell lives on: zombie, replaced within a tick or two, old tree killed', async () => {
  process.kill(agentPid, 'SIGKILL');
  const sleeper = await waitFor('the wrapper going on as sleep', () => (comm(wrapperPid) === 'sleep' ? wrapperPid : undefined), 10_000);
  const t0 = Date.now();
  await waitFor('a new mayor pane', () => {
    const p = panePid('hq-mayor');
    return p !== undefined && p !== wrapperPid ? p : undefined;
  }, 15_000, 50);
  console.log(`  wrapped zombie replaced ${((Date.now() - t0) / 1000).toFixed(2)}s after the agent died (1s tick)`);
  await waitFor('the restart logged', () => /restarted mayor \(agent process gone \(zombie\)\)/.test(logText()), 10_000);
  await waitFor('the old wrapper (now sleep) killed', () => !alive(sleeper), 10_000);
  await waitFor('the new mayor alive', async () => (await livenessOf('mayor')) === 'alive', 15_000, 200);
  const wrapper = panePid('hq-mayor')!;
  assert.is(comm(wrapper), 'sh');
  assert.ok(childrenOf(wrapper).some((p) => comm(p) === 'gt-sim'), 'a new agent under a new wrapper');
});

test('a pane whose agent was replaced by a plain process (respawn-pane) is replaced', async () => {
  await waitFor('the deacon alive', async () => (await livenessOf('deacon')) === 'alive', 15_000, 200);
  const sim = panePid('hq-deacon')!;
  assert.is(comm(sim), 'gt-sim');
  tmux('respawn-pane', '-k', '-t', '=hq-deacon:', 'sh', '-c', 'exec sleep 600');
  const sleeper = panePid('hq-deacon')!;
  assert.is.not(sleeper, sim);
  await waitFor('the sleep running', () => comm(sleeper) === 'sleep' || !alive(sleeper), 5_000);
  const t0 = Date.now();
  await waitFor('a new deacon pane', () => {
    const p = panePid('hq-deacon');
    return p !== undefined && p !== sleeper && comm(p) === 'gt-sim';
  }, 15_000, 50);
  console.log(`  respawned zombie replaced ${((Date.now() - t0) / 1000).toFixed(2)}s after it appeared (1s tick)`);
  await waitFor('the restart logged', () => /restarted deacon \(agent process gone \(zombie\)\)/.test(logText()), 10_000);
  await waitFor('the sleep killed', () => !alive(sleeper), 10_000);
  assert.not.ok(alive(sim), 'the old sim is gone too');
});

test.run();

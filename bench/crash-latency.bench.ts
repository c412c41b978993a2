/**
 * Crash -> running latency with the DEFAULT settings (design section 10, issue 8): recovery_interval
 * 3m, restart.* untouched (min_uptime 30s, backoff 30s doubling). A town of sim agents (the deacon,
 * the mayor, and a witness and a refinery in each of two rigs: six supervised agents), brought up
 * with `gt up`.
 *
 *   (a) first death after a stable run: kill -9 an agent whose run is past min_uptime, 20 times
 *       (round-robin over the six, so each is killed at most every ~31s); crash -> its new agent
 *       process started, p50 and p95. Budget: p50 <= 1 s.
 *   (b) a quick second death: two quick kills of an agent (the first is restarted at once, the
 *       second backs off 30s from the death); end of that backoff -> the new agent process
 *       started, p50. Budget: within 1 s.
 *
 * When an agent came back is the start time of its new process, from the daemon's own record of
 * the run (restart_state.json: the agent process's start in /proc), so this bench's polling does
 * not add to it. Each figure is reported against what the 3m interval tick alone would give in the
 * same run: the daemon's next interval tick after the event (state.json next_interval_tick, read
 * at the time) plus the same start cost.
 *
 * Wall time: about 4-5 minutes (the kills must wait out min_uptime and the backoffs their 30s).
 * BENCH_KILLS (20) and BENCH_BACKOFF_ROUNDS (2) make it shorter or longer.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, percentile, report } from './lib.js';

const { Tmux, killServer, socketPath, townSocketName } = await import('../internal/tmux/index.js');

const GT = join(import.meta.dirname, '..', 'dist', 'cmd', 'gt', 'main.js');
const KILLS = Number(process.env.BENCH_KILLS ?? 20);
const BACKOFF_ROUNDS = Number(process.env.BENCH_BACKOFF_ROUNDS ?? 2);
const MIN_UPTIME = 30_000;
const INTERVAL = 180_000;
const AGENTS = ['deacon', 'mayor', 'one/witness', 'one/refinery', 'two/witness', 'two/refinery'];
const dir = mkdtempSync(join(tmpdir(), 'gt-bench-crash-'));
const town = join(dir, 'town');
// The town's own private server (gt-<name>-<hash>); the daemon never inherits GT_TMUX_SOCKET.
delete process.env.GT_TMUX_SOCKET;
const SOCKET = townSocketName(town);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const started = Date.now();

function gt(...args: string[]): string {
  const r = spawnSync(process.execPath, [GT, ...args, '--town', town], { encoding: 'utf8', env: process.env });
  if (r.status !== 0) throw new Error(`gt ${args.join(' ')} failed: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

interface Run {
  since: number;
  pid?: number;
}
interface Tracker {
  running: Run | null;
  backoffUntil: number;
  shortRuns: number;
}

function tracker(id: string): Tracker | undefined {
  try {
    return (JSON.parse(readFileSync(join(town, 'daemon', 'restart_state.json'), 'utf8')) as { agents: Record<string, Tracker> }).agents[id];
  } catch {
    return undefined; // mid-rename: read again
  }
}

/** The daemon's next interval tick (the safety net), as it last scheduled it. */
function nextInterval(): number {
  return Date.parse((JSON.parse(readFileSync(join(town, 'daemon', 'state.json'), 'utf8')) as { next_interval_tick: string }).next_interval_tick);
}

/** The first interval tick at or after `t`, from the schedule read at `known` (one every INTERVAL). */
function intervalAfter(t: number, known: number): number {
  let at = known;
  while (at < t) at += INTERVAL;
  return at;
}

function isSim(pid: number | undefined): pid is number {
  try {
    return pid !== undefined && readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'gt-sim';
  } catch {
    return false;
  }
}

async function waitFor<T>(what: string, fn: () => T | undefined, timeoutMs: number, everyMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** The agent's recorded run, once its process is a live sim. */
function liveRun(id: string): (Run & { pid: number }) | undefined {
  const r = tracker(id)?.running;
  return r && isSim(r.pid) ? { ...r, pid: r.pid } : undefined;
}

/** kill -9 the agent's process; resolves with the new run the daemon started. */
async function killAndWait(id: string, timeoutMs: number): Promise<{ killedAt: number; run: Run }> {
  const old = await waitFor(`${id} running`, () => liveRun(id), 60_000);
  const killedAt = Date.now();
  process.kill(old.pid, 'SIGKILL');
  const run = await waitFor(`${id} started again`, () => {
    const r = liveRun(id);
    return r && r.pid !== old.pid ? r : undefined;
  }, timeoutMs);
  return { killedAt, run };
}

function addRig(name: string, prefix: string): void {
  const src = join(dir, `src-${name}`);
  for (const args of [['init', '-q', '-b', 'main', src], ['-C', src, 'commit', '-q', '--allow-empty', '-m', 'init']]) {
    const r = spawnSync('git', args, { encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@b', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@b' } });
    if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  }
  gt('rig', 'add', name, src, '--prefix', prefix);
}

try {
  const inst = spawnSync(process.execPath, [GT, 'install', town, '--agent', 'sim'], { encoding: 'utf8' });
  if (inst.status !== 0) throw new Error(`gt install failed: ${inst.stderr}`);
  // Default settings, as installed. Quiet sims: no role work, so nothing but the kills happens.
  writeFileSync(join(town, 'settings', 'daemon.json'), JSON.stringify({ ...JSON.parse(readFileSync(join(town, 'settings', 'daemon.json'), 'utf8')), env: { GT_SIM_WORK: '0' } }));
  addRig('one', 'on');
  addRig('two', 'tw');
  gt('up');

  // (a) First death after a stable run, round-robin so every kill is of a run past min_uptime.
  const first: number[] = [];
  const firstBase: number[] = [];
  for (let i = 0; i < KILLS; i++) {
    const id = AGENTS[i % AGENTS.length]!;
    const run = await waitFor(`${id} running`, () => liveRun(id), 60_000);
    const wait = run.since + MIN_UPTIME + 1_000 - Date.now();
    if (wait > 0) await sleep(wait);
    const known = nextInterval();
    const { killedAt, run: next } = await killAndWait(id, 30_000);
    const fast = next.since - killedAt;
    first.push(fast);
    firstBase.push(intervalAfter(killedAt, known) - killedAt + fast);
  }

  // (b) A quick second death. Each sequence starts from a long run (killed: restarted at once, the
  // count of short runs back to 0); the new run is killed at once (the first short run: restarted
  // at once), and again (the second: 30s backoff from the death); end of backoff -> running.
  const second: number[] = [];
  const secondBase: number[] = [];
  for (let round = 0; round < BACKOFF_ROUNDS; round++) {
    const pending: Array<{ id: string; until: number; known: number; pid: number }> = [];
    for (const id of AGENTS) {
      const run = await waitFor(`${id} running`, () => liveRun(id), 60_000);
      const wait = run.since + MIN_UPTIME + 1_000 - Date.now();
      if (wait > 0) await sleep(wait);
      await killAndWait(id, 30_000); // a long run: at once
      await killAndWait(id, 30_000); // the first short run: at once
      const victim = await waitFor(`${id} running`, () => liveRun(id), 60_000);
      const known = nextInterval();
      process.kill(victim.pid, 'SIGKILL'); // second short run: backoff
      const until = await waitFor(`${id} backoff`, () => {
        const t = tracker(id);
        return t && t.running === null && t.backoffUntil > 0 ? t.backoffUntil : undefined;
      }, 30_000);
      pending.push({ id, until, known, pid: victim.pid });
    }
    for (const p of pending) {
      const run = await waitFor(`${p.id} back after its backoff`, () => {
        const r = liveRun(p.id);
        return r && r.pid !== p.pid ? r : undefined;
      }, 90_000);
      const late = run.since - p.until;
      second.push(late);
      secondBase.push(intervalAfter(p.until, p.known) - p.until + late);
    }
  }

  report(`crash->running, first death, p50 (n=${first.length}) vs 3m interval tick`, median(first), median(firstBase), 'ms');
  report(`crash->running, first death, p95 (n=${first.length}) vs 3m interval tick`, percentile(first, 95), percentile(firstBase, 95), 'ms');
  report(`backoff end->running, 2nd quick death, p50 (n=${second.length}) vs 3m tick`, median(second), median(secondBase), 'ms');
  console.log(`crash->running, first death after a stable run: p50 ${median(first).toFixed(0)} ms (budget 1000 ms: ${median(first) <= 1000 ? 'within' : 'OVER'}), p95 ${percentile(first, 95).toFixed(0)} ms`);
  console.log(`backoff end->running, quick second death: p50 ${median(second).toFixed(0)} ms, max ${Math.max(...second).toFixed(0)} ms (budget 1000 ms: ${median(second) <= 1000 ? 'within' : 'OVER'}); never early: ${Math.min(...second) >= 0 ? 'yes' : `NO (${Math.min(...second)} ms)`}`);
  console.log(`crash-latency: wall time ${Math.round((Date.now() - started) / 1000)} s`);
} catch (e) {
  console.error(`crash-latency: ${String(e)}; daemon log tail:`);
  try {
    console.error(readFileSync(join(town, 'daemon', 'daemon.log'), 'utf8').split('\n').slice(-30).join('\n'));
  } catch {
    // no log
  }
  process.exitCode = 1;
} finally {
  spawnSync(process.execPath, [GT, 'down', '--town', town], { stdio: 'ignore' });
  await killServer(new Tmux(SOCKET)).catch(() => undefined);
  rmSync(socketPath(SOCKET), { force: true });
  rmSync(dir, { recursive: true, force: true });
}

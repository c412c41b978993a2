/**
 * Crash -> running latency (design section 10): kill -9 the deacon's sim 20 times and measure
 * until a tmux snapshot shows hq-deacon alive again with a new gt-sim pid. Once with the fast
 * path (tmux death hooks -> gt daemon notify -> tick; the interval tick is 10m, so only the hook
 * can be what recovers it) and once without (hooks removed before every kill, interval 1s).
 * Budget: p50 <= 2 s with the fast path (reported as a ratio to 2 s).
 * The mayor (also a sim) keeps running meanwhile: with no session left, tmux 3.3a exits before
 * its session-closed hook runs, and only the interval tick would notice (a separate finding).
 * The restart backoff is shrunk to 100ms and the crash-loop limit raised, so the tracker never
 * holds a restart back: what is measured is detection + start.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, percentile, report } from './lib.js';

const { Tmux, snapshot, findSession, activePane, removeHooks, hookStatus, killServer, socketPath, townSocketName } = await import('../internal/tmux/index.js');
const { notifyArgv } = await import('../internal/daemon/engine/run-tick.js');

const GT = join(import.meta.dirname, '..', 'dist', 'cmd', 'gt', 'main.js');
const KILLS = Number(process.env.BENCH_KILLS ?? 20);
const dir = mkdtempSync(join(tmpdir(), 'gt-bench-crash-'));
const town = join(dir, 'town');
// The town's own private server (gt-<name>-<hash>); the daemon never inherits GT_TMUX_SOCKET.
delete process.env.GT_TMUX_SOCKET;
let SOCKET = townSocketName(town);
let tmux = new Tmux(SOCKET, { timeoutMs: 30_000 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function gt(...args: string[]): string {
  const r = spawnSync(process.execPath, [GT, ...args, '--town', town], { encoding: 'utf8', env: process.env });
  if (r.status !== 0) throw new Error(`gt ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

function settings(recoveryInterval: string): void {
  const file = join(town, 'settings', 'config.json');
  const cur = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  writeFileSync(
    file,
    JSON.stringify({
      ...cur,
      daemon: { recovery_interval: recoveryInterval },
      restart: { initial_backoff: '100ms', multiplier: 1, max_backoff: '100ms', crash_loop_count: 10_000, crash_loop_window: '1m', stable_after: '1h' },
    }),
  );
}

function comm(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** The deacon's running sim pid per a fresh snapshot, or undefined. */
async function deaconPid(): Promise<number | undefined> {
  const snap = await snapshot(tmux);
  const s = findSession(snap, 'hq-deacon');
  const p = s && activePane(s);
  if (!p || p.dead) return undefined;
  return comm(p.pid) === 'gt-sim' ? p.pid : undefined;
}

function lastStart(): number {
  try {
    return (JSON.parse(readFileSync(join(town, 'daemon', 'restart_state.json'), 'utf8')) as { agents: Record<string, { lastStart: number }> }).agents.deacon?.lastStart ?? 0;
  } catch {
    return 0;
  }
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs: number, everyMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

async function measure(fastPath: boolean): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < KILLS; i++) {
    // The previous restart's tick has finished (it saves the tracker last), hooks are back.
    const pid = await waitFor('deacon running', deaconPid, 30_000);
    if (fastPath) await waitFor('fast-path hooks', async () => (await hookStatus(tmux, notifyArgv(town))).installed || undefined, 10_000);
    else {
      await removeHooks(tmux);
      if ((await hookStatus(tmux, notifyArgv(town))).installed) throw new Error('hooks still installed');
    }
    const before = lastStart();
    const t0 = performance.now();
    process.kill(pid, 'SIGKILL');
    await waitFor('deacon running with a new pid', async () => {
      const p = await deaconPid();
      return p !== undefined && p !== pid ? p : undefined;
    }, 30_000);
    out.push(performance.now() - t0);
    await waitFor('the restart tick to finish', () => (lastStart() !== before ? true : undefined), 30_000);
  }
  return out;
}

try {
  const inst = spawnSync(process.execPath, [GT, 'install', town, '--agent', 'sim'], { encoding: 'utf8' });
  if (inst.status !== 0) throw new Error(`gt install failed: ${inst.stderr}`);
  SOCKET = townSocketName(town);
  tmux = new Tmux(SOCKET, { timeoutMs: 30_000 });

  settings('10m');
  gt('daemon', 'start');
  await waitFor('deacon started', deaconPid, 30_000);
  const fast = await measure(true);
  gt('daemon', 'stop');

  settings('1s');
  gt('daemon', 'start');
  const slow = await measure(false);
  gt('daemon', 'stop');

  const budget = 2_000;
  // Baseline measured in the same run: recovery without the fast path (hooks off, 1 s tick).
  report(`crash->running, fast path p50 (n=${fast.length}) vs no hooks`, median(fast), median(slow), 'ms');
  report(`crash->running, fast path p95 (n=${fast.length}) vs no hooks`, percentile(fast, 95), percentile(slow, 95), 'ms');
  console.log(`crash->running, fast path p50 ${median(fast).toFixed(1)} ms: ${median(fast) <= budget ? 'within' : 'OVER'} the ${budget} ms budget`);
  console.log(`crash->running, no hooks, 1s tick (n=${slow.length}): p50 ${median(slow).toFixed(1)} ms, p95 ${percentile(slow, 95).toFixed(1)} ms`);
} catch (e) {
  console.error(`crash-latency: ${String(e)}; daemon log tail:`);
  try {
    console.error(readFileSync(join(town, 'daemon', 'daemon.log'), 'utf8').split('\n').slice(-30).join('\n'));
  } catch {
    // no log
  }
  process.exitCode = 1;
} finally {
  spawnSync(process.execPath, [GT, 'daemon', 'stop', '--town', town], { stdio: 'ignore' });
  await killServer(new Tmux(SOCKET)).catch(() => undefined);
  rmSync(socketPath(SOCKET), { force: true });
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Tick cost vs town size (design section 10): 10, 50 and 100 idle `sim` polecat sessions on a
 * private tmux server, then 500: the 100 Node sims and 400 light sims (bench/light-sim.sh: a shell
 * that reports idle once and execs sleep; the Node sim's ~57 MB a session would not fit 500 on
 * this box). Each size runs real engine ticks in-process (observe -> decide -> act -> persist, the
 * daemon's own code) and counts every subprocess a tick spawns two ways: calls through the Tmux
 * wrapper, and every child_process spawn (hooked). The baseline, measured in the same run, is the
 * naive way to ask the same question: one `has-session -t =name` per session. It also reports the
 * share of the tick spent reading /proc (process trees when a pane command does not decide, and
 * each running agent's start time). Budget: <= 3 subprocesses per tick whatever the size.
 * Wall time: about 2-3 minutes (most of it starting 500 sessions).
 */
import childProcess from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, report } from './lib.js';

// --- count every child process this process starts (execa uses child_process.spawn) ---------
let spawned = 0;
{
  const require = createRequire(import.meta.url);
  const cp = require('node:child_process') as typeof childProcess;
  for (const fn of ['spawn', 'spawnSync', 'execFile', 'execFileSync', 'exec', 'execSync', 'fork'] as const) {
    const orig = cp[fn] as (...a: unknown[]) => unknown;
    (cp as unknown as Record<string, unknown>)[fn] = (...a: unknown[]) => {
      spawned++;
      return orig.apply(cp, a);
    };
  }
  syncBuiltinESMExports();
}

const SOCKET = `gt-bench-${process.pid}-tick`;
process.env.GT_TMUX_SOCKET = SOCKET;

const { Tmux, killServer } = await import('../internal/tmux/index.js');
const { Engine } = await import('../internal/daemon/engine/engine.js');
const { createFileLogger } = await import('../internal/daemon/logger.js');
const { loadLaunchContext } = await import('../internal/session/context.js');
const { launchAgent } = await import('../internal/session/launch.js');
const { agentSpec } = await import('../internal/session/resolve.js');
const { townLayout } = await import('../internal/town/layout.js');
const { withLedger } = await import('../internal/ledger/index.js');
const { socketPath } = await import('../internal/tmux/socket.js');
type TmuxT = InstanceType<typeof Tmux>;

/** The daemon's Tmux, counting its calls. */
class CountingTmux extends Tmux {
  calls = 0;
  override run(...a: Parameters<TmuxT['run']>) {
    this.calls++;
    return super.run(...a);
  }
  override runSequence(...a: Parameters<TmuxT['runSequence']>) {
    this.calls++;
    return super.runSequence(...a);
  }
}

/** Wait (bounded) until the sims' start-up `gt hook` runs are over, so ticks measure a quiet town. */
async function settle(): Promise<void> {
  const deadline = Date.now() + 30_000;
  const busy = () =>
    readdirSync('/proc').some((e) => {
      if (!/^\d+$/.test(e)) return false;
      try {
        const cmd = readFileSync(`/proc/${e}/cmdline`, 'utf8');
        return cmd.includes(GT) && cmd.includes('\0hook\0');
      } catch {
        return false;
      }
    });
  while (busy() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  await new Promise((r) => setTimeout(r, 500));
}

const GT = join(import.meta.dirname, '..', 'dist', 'cmd', 'gt', 'main.js');
const SIZES = [10, 50, 100, 500];
/** Up to this many sessions run the Node sim; the rest the light sim. */
const NODE_SIMS = 100;
const LIGHT_SIM = join(import.meta.dirname, 'light-sim.sh');
const TICKS = Number(process.env.BENCH_TICKS ?? 10);
const dir = mkdtempSync(join(tmpdir(), 'gt-bench-tick-'));
const town = join(dir, 'town');
const tmux = new CountingTmux(SOCKET, { timeoutMs: 30_000 });

try {
  const inst = childProcess.spawnSync(process.execPath, [GT, 'install', town, '--agent', 'sim'], { encoding: 'utf8' });
  if (inst.status !== 0) throw new Error(`gt install failed: ${inst.stderr}`);
  const layout = townLayout(town);
  // Only the polecats: no deacon, mayor, witness, refinery or boot to start.
  writeFileSync(
    layout.daemonSettingsFile,
    JSON.stringify({ patrols: { deacon: { enabled: false }, witness: { enabled: false }, refinery: { enabled: false }, boot: { enabled: false } }, env: { GT_SIM_HEARTBEAT_INTERVAL: '10m' } }),
  );
  const cfg = JSON.parse(readFileSync(layout.settingsFile, 'utf8')) as Record<string, unknown>;
  writeFileSync(
    layout.settingsFile,
    JSON.stringify({ ...cfg, roles: { mayor: { enabled: false } }, daemon: { recovery_interval: '1h' }, agents: { lite: { command: LIGHT_SIM, args: [], process_names: ['sleep'] } } }),
  );
  writeFileSync(
    layout.rigsFile,
    JSON.stringify({
      version: 1,
      rigs: {
        bench: { git_url: '/nonexistent', prefix: 'bn', added_at: new Date().toISOString() },
        lite: { git_url: '/nonexistent', prefix: 'li', added_at: new Date().toISOString(), agent: 'lite' },
      },
    }),
  );

  const launch = { ...loadLaunchContext(town), tmux };
  const log = createFileLogger(layout.daemonLog, { maxBytes: 10 * 1024 * 1024, keep: 1 });
  const engine = new Engine({ town, layout, tmux, log, settings: () => launch.settings, clock: () => Date.now() });

  let started = 0;
  for (const size of SIZES) {
    // Grow the town to `size` idle polecats, a few sessions at a time (each waits its health window).
    const specs = Array.from({ length: size - started }, (_, i) => {
      const n = started + i + 1;
      return agentSpec({ role: 'polecat', rig: n <= NODE_SIMS ? 'bench' : 'lite', name: `p${n}` }, launch.rigs);
    });
    for (const s of specs) mkdirSync(join(town, s.workdir), { recursive: true });
    withLedger(layout, (l) => l.write(() => specs.forEach((s) => l.upsertAgentBead({ address: s.identity, prefix: s.prefix, session: s.session, agent_state: 'idle' }))));
    for (let i = 0; i < specs.length; i += 10) {
      const rs = await Promise.all(specs.slice(i, i + 10).map((s) => launchAgent(launch, s, { healthWindowMs: 300 })));
      const dead = rs.find((r) => r.died);
      if (dead) throw new Error(`a sim session died at start: ${JSON.stringify(dead)}`);
    }
    started = size;
    await settle();

    // Warm-up tick (installs the fast-path hooks once per server), then measured ticks.
    await engine.tick(['bench']);
    const wall: number[] = [];
    const tmuxCalls: number[] = [];
    const procs: number[] = [];
    const procMs: number[] = [];
    const actions: string[] = [];
    // Baseline, same run and same sessions: one has-session per session, one after another;
    // interleaved with the ticks so machine load affects both alike.
    const base: number[] = [];
    const names = Array.from({ length: size }, (_, i) => agentSpec({ role: 'polecat', rig: i + 1 <= NODE_SIMS ? 'bench' : 'lite', name: `p${i + 1}` }, launch.rigs).session);
    const baseline = async () => {
      const t0 = performance.now();
      for (const n of names) {
        const r = await tmux.run(['has-session', '-t', `=${n}`], { allowFailure: true });
        if (!r.ok) throw new Error(`session ${n} is gone`);
      }
      base.push(performance.now() - t0);
    };
    for (let t = 0; t < TICKS; t++) {
      if (t % 4 === 0) await baseline();
      const c0 = tmux.calls;
      const s0 = spawned;
      const t0 = performance.now();
      const r = await engine.tick(['bench']);
      wall.push(performance.now() - t0);
      procMs.push(r.procMs);
      tmuxCalls.push(tmux.calls - c0);
      procs.push(spawned - s0);
      if (Object.keys(r.counts).length) actions.push(JSON.stringify(r.counts));
    }
    if (actions.length) console.log(`note: ${size} sessions: ticks took actions ${actions.join(' ')}`);
    const maxProcs = Math.max(...procs);
    report(`tick: ${size} sessions, subprocesses/tick (max)`, maxProcs, 1, 'proc', 3);
    report(`tick: ${size} sessions, tmux calls/tick (max)`, Math.max(...tmuxCalls), 1, 'call', 3);
    report(`tick: ${size} sessions, wall vs has-session x${size}`, median(wall), median(base), 'ms');
    report(`tick: ${size} sessions, /proc reads vs the whole tick`, median(procMs), median(wall), 'ms');
  }
} finally {
  // Waits until the server (and with it every sim, by SIGHUP) is gone.
  await killServer(new Tmux(SOCKET), { timeoutMs: 60_000 }).catch((e) => console.error(`kill-server: ${String(e)}`));
  rmSync(socketPath(SOCKET), { force: true });
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Queue throughput (issue 11): BENCH_QUEUE_BEADS (200) beads slung to one rig capped at
 * BENCH_QUEUE_CAP (4) polecats, sim polecats (heartbeat 300ms) and the sim refinery merging, every
 * polecat reaped when merged; against the same beads slung with no cap (max_polecats and
 * polecats.max = the bead count) in the same run. Other settings are the defaults (recovery
 * interval 3m: every dispatch is event-driven); the deacon, mayor and boot are off to keep the
 * box for the polecats.
 *
 * Figures: wall time from the first sling to the last merge (ratio capped / uncapped), and
 * polecat-seconds idle: polecat sessions alive whose agent is done or idle (waiting for its merge
 * or its reap), sampled about every 250 ms and weighted by the real time between samples (a
 * sample under load takes longer than 250 ms), per bead; reaping working keeps this near the merge
 * wait. Printed beside them, not ratios: most polecats alive, the town's memory (RSS summed over
 * the daemon and the tmux server's process tree; shared pages count once per process, so it is
 * an upper bound) and the box's (MemTotal - MemAvailable: includes whatever else runs), and the
 * bench's own wall time. The run ends only when every slung bead has a merged merge-queue entry.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { report } from './lib.js';

const { townSocketName } = await import('../internal/tmux/index.js');
const { withLedger } = await import('../internal/ledger/index.js');
const { townLayout } = await import('../internal/town/layout.js');

const GT = join(import.meta.dirname, '..', 'dist', 'cmd', 'gt', 'main.js');
const BEADS = Number(process.env.BENCH_QUEUE_BEADS ?? 200);
const CAP = Number(process.env.BENCH_QUEUE_CAP ?? 4);
/** A run stops (and says so) when the box's available memory falls below this: the box is shared. */
const MIN_AVAILABLE_MB = Number(process.env.BENCH_QUEUE_MIN_AVAILABLE_MB ?? 2048);
delete process.env.GT_TMUX_SOCKET;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const benchStart = Date.now();

/** The box's memory in MB: in use (MemTotal - MemAvailable, other processes included) and available. */
function boxMemMb(): { used: number; available: number } {
  const m = readFileSync('/proc/meminfo', 'utf8');
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(m)?.[1] ?? 0);
  return { used: (kb('MemTotal') - kb('MemAvailable')) / 1024, available: kb('MemAvailable') / 1024 };
}

/** Summed RSS (MB) of the given processes and all their descendants, from /proc. */
function treeRssMb(roots: number[]): number {
  const children = new Map<number, number[]>();
  const rss = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const pid = Number(d);
      const ppid = Number(f[1]);
      rss.set(pid, (Number(f[21]) * 4096) / 1024 / 1024);
      children.set(ppid, [...(children.get(ppid) ?? []), pid]);
    } catch {
      // gone between readdir and read
    }
  }
  let total = 0;
  const seen = new Set<number>();
  const stack = roots.filter((p) => rss.has(p));
  while (stack.length) {
    const p = stack.pop()!;
    if (seen.has(p)) continue;
    seen.add(p);
    total += rss.get(p) ?? 0;
    stack.push(...(children.get(p) ?? []));
  }
  return total;
}

/** The town being measured, so a signal (Ctrl-C, kill) still stops its daemon and tmux server. */
let cleanup: (() => void) | undefined;
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(sig, () => {
    cleanup?.();
    process.exit(130);
  });
}

function gtSync(town: string, ...args: string[]): string {
  const r = spawnSync(process.execPath, [GT, ...args, '--town', town], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`gt ${args.join(' ')} failed: ${r.stderr}${r.stdout}`);
  return r.stdout;
}
function gtAsync(town: string, ...args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [GT, ...args, '--town', town], (e, _o, err) => (e ? reject(new Error(`gt ${args.join(' ')}: ${err}`)) : resolve()));
  });
}

interface Result {
  wallMs: number;
  idlePolecatSeconds: number;
  maxAlive: number;
  /** Box memory in use (MB) just before the beads were slung, and its peak during the run. */
  boxUsedBeforeMb: number;
  boxUsedPeakMb: number;
  /** Peak summed RSS (MB) of the daemon and the tmux server's tree. */
  townRssPeakMb: number;
}

async function runOnce(label: string, cap: number): Promise<Result> {
  const dir = mkdtempSync(join(tmpdir(), `gt-bench-queue-${label}-`));
  const town = join(dir, 'town');
  const src = join(dir, 'src');
  const socket = townSocketName(town);
  let cleaned = false;
  const stop = () => {
    if (cleaned) return;
    cleaned = true;
    spawnSync(process.execPath, [GT, 'down', '--town', town], { stdio: 'ignore', timeout: 120_000 });
    spawnSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  };
  cleanup = stop;
  try {
    gtSync(dir, 'install', town, '--agent', 'sim');
    spawnSync('git', ['init', '-q', '-b', 'main', src]);
    spawnSync('git', ['-C', src, '-c', 'user.name=b', '-c', 'user.email=b@b', 'commit', '-q', '--allow-empty', '-m', 'init']);
    const settings = JSON.parse(readFileSync(join(town, 'settings', 'config.json'), 'utf8'));
    settings.rigs = { shop: { max_polecats: cap } };
    settings.polecats = { ...settings.polecats, max: Math.max(cap, settings.polecats.max) };
    settings.roles = { mayor: { enabled: false } };
    writeFileSync(join(town, 'settings', 'config.json'), JSON.stringify(settings, null, 2));
    const ds = JSON.parse(readFileSync(join(town, 'settings', 'daemon.json'), 'utf8'));
    ds.env = { GT_SIM_HEARTBEAT_INTERVAL: '300ms' };
    ds.patrols = { deacon: { enabled: false }, witness: { enabled: true }, refinery: { enabled: true }, boot: { enabled: false } };
    writeFileSync(join(town, 'settings', 'daemon.json'), JSON.stringify(ds, null, 2));
    gtSync(town, 'rig', 'add', 'shop', src, '--prefix', 'sh');
    gtSync(town, 'up');
    const layout = townLayout(town);
    const ids = withLedger(layout, (l) => Array.from({ length: BEADS }, (_, i) => l.createBead({ prefix: 'sh', type: 'task', title: `bench ${i}` }).id));

    const tmuxPid = Number(spawnSync('tmux', ['-L', socket, 'display-message', '-p', '#{pid}'], { encoding: 'utf8' }).stdout.trim());
    const daemonPid = existsSync(layout.daemonPid) ? Number.parseInt(readFileSync(layout.daemonPid, 'utf8'), 10) : NaN;
    const townRoots = [tmuxPid, daemonPid].filter((p) => Number.isInteger(p) && p > 0);
    const boxUsedBeforeMb = boxMemMb().used;
    let boxUsedPeakMb = boxUsedBeforeMb;
    let townRssPeakMb = treeRssMb(townRoots);
    // Idle polecat-seconds: each sample's idle count times the real time since the previous sample.
    let idlePolecatSeconds = 0;
    let maxAlive = 0;
    let sampling = true;
    let lastRss = 0;
    let lowMemory: string | undefined;
    const sampler = (async () => {
      let prev = Date.now();
      let prevIdle = 0;
      while (sampling) {
        const r = spawnSync('tmux', ['-L', socket, 'list-sessions', '-F', '#{session_name}'], { encoding: 'utf8' });
        const alive = new Set(r.status === 0 ? r.stdout.split('\n').filter((s) => s.startsWith('sh-') && s !== 'sh-witness' && s !== 'sh-refinery') : []);
        maxAlive = Math.max(maxAlive, alive.size);
        const idle = alive.size ? withLedger(layout, (l) => l.listAgentBeads({ rig: 'shop' }).filter((a) => a.role === 'polecat' && a.session && alive.has(a.session) && (a.agent_state === 'done' || a.agent_state === 'idle')).length) : 0;
        const now = Date.now();
        // Trapezoid over the interval: the count moved somewhere between the two looks.
        idlePolecatSeconds += ((prevIdle + idle) / 2) * ((now - prev) / 1000);
        prev = now;
        prevIdle = idle;
        const mem = boxMemMb();
        boxUsedPeakMb = Math.max(boxUsedPeakMb, mem.used);
        if (mem.available < MIN_AVAILABLE_MB) lowMemory ??= `${mem.available.toFixed(0)} MB available (< BENCH_QUEUE_MIN_AVAILABLE_MB ${MIN_AVAILABLE_MB}) with ${alive.size} polecats alive`;
        // The process walk reads every /proc/<pid>/stat: once a second is enough for a peak.
        if (now - lastRss >= 1000) {
          lastRss = now;
          townRssPeakMb = Math.max(townRssPeakMb, treeRssMb(townRoots));
        }
        await sleep(250);
      }
    })();

    const t0 = Date.now();
    for (let i = 0; i < ids.length && !lowMemory; i += 5) await Promise.all(ids.slice(i, i + 5).map((id) => gtAsync(town, 'sling', id, 'shop')));
    const deadline = Date.now() + 60 * 60_000;
    // Merged = slung beads with a merged merge-queue entry (distinct: a bead resubmitted after a
    // conflict or failure has two entries and must not count twice).
    const slung = new Set(ids);
    for (;;) {
      const merged = withLedger(layout, (l) => new Set(l.listBeads({ type: 'task' }).filter((b) => b.labels.includes('mq') && b.fields.status === 'merged' && slung.has(String(b.fields.source_bead))).map((b) => String(b.fields.source_bead))).size);
      if (merged >= BEADS) break;
      if (lowMemory) throw new Error(`${label}: stopped at ${merged} of ${BEADS} merged after ${((Date.now() - t0) / 1000).toFixed(0)} s: ${lowMemory}`);
      if (Date.now() > deadline) throw new Error(`${label}: only ${merged} of ${BEADS} merged after an hour`);
      await sleep(250);
    }
    const wallMs = Date.now() - t0;
    sampling = false;
    await sampler;
    return { wallMs, idlePolecatSeconds, maxAlive, boxUsedBeforeMb, boxUsedPeakMb, townRssPeakMb };
  } finally {
    stop();
    cleanup = undefined;
  }
}

const capped = await runOnce('capped', CAP);
const uncapped = await runOnce('uncapped', BEADS);
const mb = (r: Result) => `town RSS peak ${r.townRssPeakMb.toFixed(0)} MB, box in use ${r.boxUsedBeforeMb.toFixed(0)} -> peak ${r.boxUsedPeakMb.toFixed(0)} MB`;
console.log(`queue: ${BEADS} beads; capped at ${CAP}: max ${capped.maxAlive} alive, ${mb(capped)}; uncapped: max ${uncapped.maxAlive} alive, ${mb(uncapped)}`);
console.log(`queue: polecat-seconds idle, cap ${CAP} ${capped.idlePolecatSeconds.toFixed(1)} s, no cap ${uncapped.idlePolecatSeconds.toFixed(1)} s; bench wall time ${((Date.now() - benchStart) / 1000).toFixed(0)} s`);
report(`queue wall time, cap ${CAP} vs no cap (s)`, capped.wallMs / 1000, uncapped.wallMs / 1000, 's');
report(`polecat-seconds idle per bead, cap ${CAP} vs no cap`, capped.idlePolecatSeconds / BEADS, Math.max(0.001, uncapped.idlePolecatSeconds / BEADS), 's');

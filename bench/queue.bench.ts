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
 * or its reap), sampled every 250 ms, per bead; reaping working keeps this near the merge wait.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { report } from './lib.js';

const { townSocketName } = await import('../internal/tmux/index.js');
const { withLedger } = await import('../internal/ledger/index.js');
const { townLayout } = await import('../internal/town/layout.js');

const GT = join(import.meta.dirname, '..', 'dist', 'cmd', 'gt', 'main.js');
const BEADS = Number(process.env.BENCH_QUEUE_BEADS ?? 200);
const CAP = Number(process.env.BENCH_QUEUE_CAP ?? 4);
delete process.env.GT_TMUX_SOCKET;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
}

async function runOnce(label: string, cap: number): Promise<Result> {
  const dir = mkdtempSync(join(tmpdir(), `gt-bench-queue-${label}-`));
  const town = join(dir, 'town');
  const src = join(dir, 'src');
  const socket = townSocketName(town);
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

    let idleSamples = 0;
    let maxAlive = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const r = spawnSync('tmux', ['-L', socket, 'list-sessions', '-F', '#{session_name}'], { encoding: 'utf8' });
        const alive = new Set(r.status === 0 ? r.stdout.split('\n').filter((s) => s.startsWith('sh-') && s !== 'sh-witness' && s !== 'sh-refinery') : []);
        maxAlive = Math.max(maxAlive, alive.size);
        if (alive.size) {
          const idle = withLedger(layout, (l) => l.listAgentBeads({ rig: 'shop' }).filter((a) => a.role === 'polecat' && a.session && alive.has(a.session) && (a.agent_state === 'done' || a.agent_state === 'idle')).length);
          idleSamples += idle;
        }
        await sleep(250);
      }
    })();

    const t0 = Date.now();
    for (let i = 0; i < ids.length; i += 5) await Promise.all(ids.slice(i, i + 5).map((id) => gtAsync(town, 'sling', id, 'shop')));
    const deadline = Date.now() + 60 * 60_000;
    for (;;) {
      const merged = withLedger(layout, (l) => l.listBeads({ type: 'task' }).filter((b) => b.labels.includes('mq') && b.fields.status === 'merged').length);
      if (merged >= BEADS) break;
      if (Date.now() > deadline) throw new Error(`${label}: only ${merged} of ${BEADS} merged after an hour`);
      await sleep(250);
    }
    const wallMs = Date.now() - t0;
    sampling = false;
    await sampler;
    return { wallMs, idlePolecatSeconds: idleSamples * 0.25, maxAlive };
  } finally {
    spawnSync(process.execPath, [GT, 'down', '--town', town], { stdio: 'ignore', timeout: 120_000 });
    spawnSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  }
}

const capped = await runOnce('capped', CAP);
const uncapped = await runOnce('uncapped', BEADS);
console.log(`queue: ${BEADS} beads; capped at ${CAP}: max ${capped.maxAlive} alive; uncapped: max ${uncapped.maxAlive} alive`);
report(`queue wall time, cap ${CAP} vs no cap (s)`, capped.wallMs / 1000, uncapped.wallMs / 1000, 's');
report(`polecat-seconds idle per bead, cap ${CAP} vs no cap`, capped.idlePolecatSeconds / BEADS, Math.max(0.001, uncapped.idlePolecatSeconds / BEADS), 's');

/**
 * State freshness: from a CLI hook event to `gt agents --json` showing the state it reported.
 * One live agent session (a stand-in program, so no model is involved) in a temp town; each
 * sample runs the hook script as a CLI would (alternating UserPromptSubmit -> working and
 * Stop -> idle), then polls `gt agents --json` until the agent's activity shows the new state.
 * Baseline: one `gt agents --json` in the same run (the floor: a reader must run once).
 * Budget (design section 10): p50 <= 1 s.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentHookScript } from '../internal/agent/hooks/events.js';
import { median, percentile, report } from './lib.js';

const GT = join(import.meta.dirname, '..', 'dist', 'cmd', 'gt', 'main.js');
const runs = Number(process.env.BENCH_RUNS ?? 20);
const dir = mkdtempSync(join(tmpdir(), 'gt-bench-fresh-'));
const town = join(dir, 'town');
const gt = (...args: string[]) => spawnSync(process.execPath, [GT, ...args, '--town', town], { encoding: 'utf8' });

spawnSync(process.execPath, [GT, 'install', town, '--agent', 'sim'], { stdio: 'ignore' });
// The deacon runs a stand-in that only sleeps: its state comes from the hook events alone.
writeFileSync(
  join(town, 'settings', 'config.json'),
  JSON.stringify({ agent: 'sim', agents: { standin: { command: '/bin/sleep', args: ['3600'], process_names: ['sleep'] } }, roles: { deacon: { agent: 'standin' }, mayor: { enabled: false } } }),
);
try {
  const up = gt('up');
  if (up.status !== 0) throw new Error(`gt up failed: ${up.stderr}`);
  const env = { PATH: process.env.PATH, GT_TOWN_ROOT: town, GT_SESSION: 'hq-deacon' };
  const deaconState = (): string | undefined => {
    const r = gt('agents', '--json');
    return (JSON.parse(r.stdout) as Array<{ identity: string; activity: { state: string } }>).find((a) => a.identity === 'deacon')?.activity.state;
  };
  const base: number[] = [];
  const fresh: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    deaconState();
    base.push(Number(process.hrtime.bigint() - t0) / 1e6);
    const [event, want] = i % 2 === 0 ? ['UserPromptSubmit', 'working'] : ['Stop', 'idle'];
    const t1 = process.hrtime.bigint();
    spawnSync('/bin/sh', [agentHookScript(), 'claude', event!], { env, stdio: 'ignore' });
    const deadline = Date.now() + 30_000;
    while (deaconState() !== want) {
      if (Date.now() > deadline) throw new Error(`gt agents never showed ${want}`);
    }
    fresh.push(Number(process.hrtime.bigint() - t1) / 1e6);
  }
  const b = median(base);
  report('freshness: hook event -> gt agents (p50)', median(fresh), b, 'ms');
  report('freshness: hook event -> gt agents (p95)', percentile(fresh, 95), percentile(base, 95), 'ms');
  const p50 = median(fresh);
  console.log(`freshness: p50 ${p50.toFixed(0)} ms ${p50 <= 1000 ? 'within' : 'OVER'} budget 1000 ms`);
} finally {
  gt('down');
  rmSync(dir, { recursive: true, force: true });
}

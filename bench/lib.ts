/** Small helpers shared by benchmarks: timing, percentiles, the ratio line every bench prints. */
import { spawnSync } from 'node:child_process';

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

/** Wall time of one run of a command, in ms. */
export function timeRun(cmd: string, args: string[], env?: NodeJS.ProcessEnv): number {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: 'ignore', env: { ...process.env, ...env } });
  if (r.error) throw r.error;
  return Number(process.hrtime.bigint() - t) / 1e6;
}

/** One line per figure: name, value, baseline, ratio, and the budget it is held to. */
export function report(name: string, value: number, baseline: number, unit: string, budget?: number): void {
  const ratio = value / baseline;
  const verdict = budget === undefined ? '' : ratio <= budget ? `  within budget ${budget}x` : `  OVER budget ${budget}x`;
  console.log(`${name.padEnd(42)} ${value.toFixed(1).padStart(8)} ${unit}  baseline ${baseline.toFixed(1).padStart(8)} ${unit}  ratio ${ratio.toFixed(2)}x${verdict}`);
}

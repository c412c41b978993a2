/**
 * CLI start-up against bare `node -e 0`, measured interleaved in the same run so machine load
 * affects both alike. Budget (design section 10): gt --version and gt daemon status <= 1.5x.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, report, timeRun } from './lib.js';

const GT = join(import.meta.dirname, '..', 'dist', 'cmd', 'gt', 'main.js');
const runs = Number(process.env.BENCH_RUNS ?? 30);
const dir = mkdtempSync(join(tmpdir(), 'gt-bench-'));
const town = join(dir, 'town');
spawnSync(process.execPath, [GT, 'install', town], { stdio: 'ignore' });
spawnSync(process.execPath, [GT, 'daemon', 'start', '--town', town], { stdio: 'ignore' });
try {
  const base: number[] = [];
  const version: number[] = [];
  const status: number[] = [];
  const help: number[] = [];
  for (let i = 0; i < runs; i++) {
    base.push(timeRun(process.execPath, ['-e', '0']));
    version.push(timeRun(process.execPath, [GT, '--version']));
    status.push(timeRun(process.execPath, [GT, 'daemon', 'status', '--town', town]));
    help.push(timeRun(process.execPath, [GT, '--help']));
  }
  const b = median(base);
  report('startup: gt --version (median)', median(version), b, 'ms', 1.5);
  report('startup: gt daemon status, running (median)', median(status), b, 'ms', 1.5);
  report('startup: gt --help (median)', median(help), b, 'ms');
} finally {
  spawnSync(process.execPath, [GT, 'daemon', 'stop', '--town', town], { stdio: 'ignore' });
  rmSync(dir, { recursive: true, force: true });
}

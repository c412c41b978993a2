/**
 * Shared test helpers: temp towns, running the built CLI, polling with a deadline.
 * Tests never sleep-and-hope: they poll a condition until a generous deadline.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const GT_BIN = join(REPO, 'dist', 'cmd', 'gt', 'main.js');

export interface RunResult {
  /** The exit status, or -1 when a signal ended the process (then `signal` names it). */
  code: number;
  signal?: NodeJS.Signals;
  stdout: string;
  stderr: string;
}

/** Run the built CLI (make build first) and collect its output. */
export function gt(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string } = {}): Promise<RunResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [GT_BIN, ...args], {
      cwd: opts.cwd ?? REPO,
      env: { ...process.env, NO_COLOR: '1', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.stdin.end(opts.input ?? '');
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`gt ${args.join(' ')} timed out; stdout=${stdout} stderr=${stderr}`));
    }, opts.timeoutMs ?? 60_000);
    child.on('error', fail);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      done({ code: code ?? -1, ...(signal ? { signal } : {}), stdout, stderr });
    });
  });
}

export function gtSync(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): RunResult {
  const r = spawnSync(process.execPath, [GT_BIN, ...args], {
    cwd: opts.cwd ?? REPO,
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status ?? -1, ...(r.signal ? { signal: r.signal } : {}), stdout: r.stdout, stderr: r.stderr };
}

export function tempDir(prefix = 'gt-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface TempTown {
  root: string;
  /** Merge keys into settings/config.json (deep for one level of objects). */
  settings(patch: Record<string, unknown>): void;
  /** Merge keys into settings/daemon.json (deep for one level: `env`, `patrols`). */
  daemonSettings(patch: Record<string, unknown>): void;
  cleanup(): Promise<void>;
}

/** Merge `patch` into a JSON object file, one level deep (objects merge, anything else replaces). */
function mergeJsonFile(file: string, patch: Record<string, unknown>): void {
  const cur = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  for (const [k, v] of Object.entries(patch)) {
    cur[k] = v && typeof v === 'object' && !Array.isArray(v) ? { ...(cur[k] as object), ...(v as object) } : v;
  }
  writeFileSync(file, `${JSON.stringify(cur, null, 2)}\n`);
}

/** A fresh town from `gt install`, with any settings patches applied. */
export async function makeTown(opts: { agent?: string; settings?: Record<string, unknown>; daemonSettings?: Record<string, unknown> } = {}): Promise<TempTown> {
  const dir = tempDir();
  const root = join(dir, 'town');
  const r = await gt(['install', root, ...(opts.agent ? ['--agent', opts.agent] : [])]);
  if (r.code !== 0) throw new Error(`gt install failed: ${r.stderr}`);
  const town: TempTown = {
    root,
    settings(patch) {
      mergeJsonFile(join(root, 'settings', 'config.json'), patch);
    },
    daemonSettings(patch) {
      mergeJsonFile(join(root, 'settings', 'daemon.json'), patch);
    },
    async cleanup() {
      // The daemon starts agents, so stop everything of this town: its sessions with their process
      // trees and its daemon (gt down), then its own tmux server by socket name, then the files.
      if (existsSync(join(root, 'mayor', 'town.json'))) {
        await gt(['down', '--town', root], { timeoutMs: 60_000 }).catch(() => undefined);
      }
      const socket = await townSocket(root).catch(() => undefined);
      if (socket) spawnSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
  if (opts.settings) town.settings(opts.settings);
  if (opts.daemonSettings) town.daemonSettings(opts.daemonSettings);
  mkdirSync(join(root, 'daemon'), { recursive: true });
  return town;
}

/** Poll `fn` until it returns a truthy value or the deadline passes (then throw with `what`). */
export async function waitFor<T>(what: string, fn: () => T | Promise<T>, timeoutMs = 15_000, everyMs = 50): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Live (non-zombie) pids whose command line contains every needle. Read-only scan of /proc. */
export function pidsMatching(...needles: string[]): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const cmd = readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0').join(' ');
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (state === 'Z') continue;
      if (needles.every((n) => cmd.includes(n))) out.push(Number(e));
    } catch {
      // Process exited while we looked.
    }
  }
  return out;
}

/**
 * Daemon processes of this town (`gt daemon run --town <root>`). A child the daemon has just
 * forked (to run tmux or git) shows the daemon's command line until it execs, so processes whose
 * parent is itself a match are not counted as daemons.
 */
export function daemonPids(root: string): number[] {
  const pids = pidsMatching('daemon run', `--town ${root}`);
  const ppid = (pid: number) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    } catch {
      return -1;
    }
  };
  return pids.filter((p) => !pids.includes(ppid(p)));
}

export function readJson<T = any>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/** Live pids whose environment has KEY=VALUE (how we find a town's agent processes). */
export function pidsWithEnv(key: string, value: string): number[] {
  const needle = `${key}=${value}`;
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z') continue;
      if (readFileSync(`/proc/${e}/environ`, 'utf8').split('\0').includes(needle)) out.push(Number(e));
    } catch {
      // Gone, or not ours to read.
    }
  }
  return out;
}

/** The town's tmux socket name, as gt computes it. */
export async function townSocket(root: string): Promise<string> {
  const { townSocketName } = await import('../../internal/tmux/socket.js');
  return townSocketName(root);
}

/** A process's resident set size in MB (VmRSS from /proc), 0 when gone. */
export function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

import { spawn } from 'node:child_process';

/**
 * Run one scheduled job's process: its own process group (so a timeout ends everything it
 * started), a bounded tail of its output, and a timeout that sends SIGTERM to the group and
 * SIGKILL after a grace. Aborting `signal` (the daemon stopping) ends it the same way.
 */

export interface RunProcessOptions {
  argv: readonly string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  killGraceMs: number;
  signal: AbortSignal;
  /** Bytes of output (stdout and stderr, interleaved) kept from the end. */
  tailBytes?: number;
  /** Called once the process exists (its pid is its process group id). */
  onSpawn?: (pid: number) => void;
}

export interface ProcessOutcome {
  /** Exit status, or null when a signal ended it (then `signal`) or it never started (then `error`). */
  exit_code: number | null;
  signal: string | null;
  timed_out: boolean;
  /** The daemon stopping ended it. */
  aborted: boolean;
  duration_ms: number;
  output_tail: string;
  /** It could not be started at all. */
  error?: string;
}

export const DEFAULT_TAIL_BYTES = 4096;

/** Keeps the last `max` bytes written to it. */
class Tail {
  private chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly max: number) {}
  push(b: Buffer): void {
    this.chunks.push(b);
    this.size += b.length;
    while (this.size - (this.chunks[0]?.length ?? 0) >= this.max) this.size -= this.chunks.shift()!.length;
  }
  text(): string {
    const all = Buffer.concat(this.chunks);
    return all.subarray(Math.max(0, all.length - this.max)).toString('utf8');
  }
}

export function runProcess(opts: RunProcessOptions): Promise<ProcessOutcome> {
  const started = performance.now();
  const tail = new Tail(opts.tailBytes ?? DEFAULT_TAIL_BYTES);
  return new Promise((resolve) => {
    let timedOut = false;
    let aborted = false;
    let graceTimer: NodeJS.Timeout | undefined;
    let settled = false;
    const child = spawn(opts.argv[0]!, opts.argv.slice(1), {
      cwd: opts.cwd,
      env: opts.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const killGroup = (sig: NodeJS.Signals) => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, sig);
      } catch {
        // The group is gone already.
      }
    };
    const stop = () => {
      killGroup('SIGTERM');
      graceTimer ??= setTimeout(() => killGroup('SIGKILL'), opts.killGraceMs);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, opts.timeoutMs);
    const onAbort = () => {
      aborted = true;
      stop();
    };
    if (opts.signal.aborted) onAbort();
    else opts.signal.addEventListener('abort', onAbort, { once: true });
    child.stdout!.on('data', (b: Buffer) => tail.push(b));
    child.stderr!.on('data', (b: Buffer) => tail.push(b));
    const finish = (o: Omit<ProcessOutcome, 'duration_ms' | 'output_tail' | 'timed_out' | 'aborted'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal.removeEventListener('abort', onAbort);
      clearTimeout(graceTimer);
      // Whatever the job left behind in its group goes with it: a run ends whole.
      killGroup('SIGKILL');
      resolve({ ...o, timed_out: timedOut, aborted, duration_ms: Math.round(performance.now() - started), output_tail: tail.text() });
    };
    child.on('spawn', () => opts.onSpawn?.(child.pid!));
    child.on('error', (e) => finish({ exit_code: null, signal: null, error: e.message }));
    child.on('close', (code, sig) => finish({ exit_code: code, signal: sig }));
  });
}

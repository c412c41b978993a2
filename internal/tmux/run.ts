import { execa } from 'execa';
import { TmuxError, isNoServerMessage } from './errors.js';
import { validateSocketName } from './names.js';
import { tmuxArg } from './quote.js';

/** Default bound on any one tmux call. Generous: a loaded 2-core box can stall tmux for seconds. */
export const DEFAULT_TMUX_TIMEOUT_MS = 10_000;

export interface TmuxOptions {
  /** Per-call timeout unless the call gives its own. */
  timeoutMs?: number;
  /** The tmux binary (tests may point at a wrapper). */
  bin?: string;
}

export interface RunOptions {
  timeoutMs?: number;
  /** Return a failed result instead of throwing. */
  allowFailure?: boolean;
  /** Bound on stdout (characters); beyond it tmux is killed and the result says `overflowed`. */
  maxBuffer?: number;
}

export interface TmuxResult {
  argv: readonly string[];
  stdout: string;
  stderr: string;
  exitCode: number | undefined;
  timedOut: boolean;
  /** stdout went past `maxBuffer` (the output is cut there). */
  overflowed: boolean;
  ok: boolean;
}

/**
 * Variables that would point tmux or our marker logic at the wrong place: TMUX/TMUX_PANE make a
 * client inside tmux think of its own server, and GT_SESSION must not leak into a new server's
 * global environment (every pane would then carry another session's marker).
 */
const SCRUBBED_ENV = ['TMUX', 'TMUX_PANE', 'GT_SESSION'];

export function clientEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !SCRUBBED_ENV.includes(k)) env[k] = v;
  return env;
}

/**
 * A tmux server, named by its socket. Every tmux process gt runs goes through `run`: argv arrays
 * only (never a shell), always `-L <socket>` (never the user's default server), always a timeout.
 */
export class Tmux {
  readonly socket: string;
  readonly bin: string;
  readonly timeoutMs: number;

  constructor(socket: string, opts: TmuxOptions = {}) {
    this.socket = validateSocketName(socket);
    this.bin = opts.bin ?? 'tmux';
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TMUX_TIMEOUT_MS;
  }

  /** Run one tmux command. Every argument is escaped so tmux reads it back unchanged. */
  run(args: readonly string[], opts: RunOptions = {}): Promise<TmuxResult> {
    return this.exec(args.map(tmuxArg), opts);
  }

  /**
   * Several tmux commands in one client call (one round trip, executed back to back by the
   * server). Arguments are escaped; the separators are the only bare ';' passed.
   */
  runSequence(commands: readonly (readonly string[])[], opts: RunOptions = {}): Promise<TmuxResult> {
    const argv: string[] = [];
    commands.forEach((c, i) => {
      if (i > 0) argv.push(';');
      argv.push(...c.map(tmuxArg));
    });
    return this.exec(argv, opts);
  }

  private async exec(args: readonly string[], opts: RunOptions): Promise<TmuxResult> {
    const argv = [this.bin, '-L', this.socket, ...args];
    const timeout = opts.timeoutMs ?? this.timeoutMs;
    const r = await execa(this.bin, ['-L', this.socket, ...args], {
      reject: false,
      timeout,
      killSignal: 'SIGKILL',
      stdin: 'ignore',
      extendEnv: false,
      env: clientEnv(),
      encoding: 'utf8',
      stripFinalNewline: false,
      ...(opts.maxBuffer !== undefined ? { maxBuffer: opts.maxBuffer } : {}),
    });
    const stdout = typeof r.stdout === 'string' ? r.stdout : '';
    const stderr = (typeof r.stderr === 'string' ? r.stderr : '').trim();
    const exitCode = typeof r.exitCode === 'number' ? r.exitCode : undefined;
    const timedOut = r.timedOut === true;
    const overflowed = r.isMaxBuffer === true;
    const ok = !r.failed && exitCode === 0;
    const result: TmuxResult = { argv, stdout, stderr, exitCode, timedOut, overflowed, ok };
    if (ok || opts.allowFailure) return result;
    throw tmuxFailure(result, this.socket, r.failed && exitCode === undefined && !timedOut && !overflowed ? r.message : undefined);
  }
}

export function tmuxFailure(r: TmuxResult, socket: string, spawnMessage?: string): TmuxError {
  const what = r.argv.slice(3, 4).join(' ') || 'tmux';
  let message: string;
  let hint: string | undefined;
  if (r.timedOut) message = `tmux ${what} timed out on socket ${socket}`;
  else if (r.overflowed) message = `tmux ${what} printed more than gt reads at once on socket ${socket}`;
  else if (spawnMessage) {
    message = `could not run tmux: ${spawnMessage.split('\n')[0]}`;
    hint = 'is tmux installed and on PATH?';
  } else message = `tmux ${what} failed on socket ${socket} (exit ${r.exitCode ?? '?'}): ${r.stderr || 'no message'}`;
  if (isNoServerMessage(r.stderr)) hint = 'the tmux server for this town is not running';
  return new TmuxError(message, { argv: r.argv, exitCode: r.exitCode, stderr: r.stderr, timedOut: r.timedOut, socket }, { hint });
}

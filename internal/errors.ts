/**
 * The one errors module. Every failure gt reports to a person is a GtError with a stable
 * `code` (for --json output and tests) and the exit status the CLI should end with.
 * The CLI's single top-level catch (internal/cli/main.ts) turns these into one line on stderr.
 */

export const EXIT = {
  ok: 0,
  error: 1,
  usage: 2,
  /** LSB/systemctl convention for "program is not running" on status queries. */
  notRunning: 3,
} as const;

export type ErrorCode =
  | 'USAGE'
  | 'INVALID_INPUT'
  | 'CONFIG_INVALID'
  | 'TOWN_NOT_FOUND'
  | 'TOWN_EXISTS'
  | 'DAEMON_ALREADY_RUNNING'
  | 'DAEMON_NOT_RUNNING'
  | 'DAEMON_START_FAILED'
  | 'DAEMON_STOP_FAILED'
  | 'CONTROL_FAILED'
  | 'LOCK_HELD'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'TMUX_FAILED'
  | 'TIMEOUT'
  /** A tick asked for (gt daemon tick) failed or did nothing. */
  | 'TICK_FAILED'
  /** gt would not do it: e.g. a nudge into a screen only a person may answer. */
  | 'REFUSED'
  | 'IO';

export interface GtErrorOptions {
  exitCode?: number;
  hint?: string;
  cause?: unknown;
}

export class GtError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: number;
  /** How to fix it; printed on the same line after the message. */
  readonly hint?: string;

  constructor(code: ErrorCode, message: string, options: GtErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GtError';
    this.code = code;
    this.exitCode = options.exitCode ?? EXIT.error;
    this.hint = options.hint;
  }

  /** The single line a person sees. */
  get line(): string {
    return this.hint ? `${this.message} (${this.hint})` : this.message;
  }

  toJSON(): { code: ErrorCode; message: string; hint?: string; exitCode: number } {
    return { code: this.code, message: this.message, hint: this.hint, exitCode: this.exitCode };
  }
}

export class UsageError extends GtError {
  constructor(message: string, hint?: string) {
    super('USAGE', message, { exitCode: EXIT.usage, hint });
    this.name = 'UsageError';
  }
}

/** A value typed by a person (a name, an argument) that does not have the required form. */
export class InvalidInputError extends GtError {
  constructor(message: string, hint?: string) {
    super('INVALID_INPUT', message, { exitCode: EXIT.error, hint });
    this.name = 'InvalidInputError';
  }
}

/** A config or state file that does not parse or validate. Names the file, the key and the fix. */
export class ConfigError extends GtError {
  readonly file: string;
  readonly key?: string;
  constructor(file: string, key: string | undefined, problem: string) {
    super('CONFIG_INVALID', `${file}: ${key ? `${key}: ` : ''}${problem}`);
    this.name = 'ConfigError';
    this.file = file;
    this.key = key;
  }
}

export class NotRunningError extends GtError {
  constructor(message = 'daemon is not running', exitCode: number = EXIT.error) {
    super('DAEMON_NOT_RUNNING', message, { exitCode });
    this.name = 'NotRunningError';
  }
}

/** Why the town ledger cannot be used at all (not one bad bead): the daemon's degraded mode keys on it. */
export type LedgerProblem = 'missing' | 'corrupt' | 'full' | 'unusable';

/** The ledger file is gone, not a database, on a full disk, or otherwise unusable. */
export class LedgerUnavailableError extends GtError {
  readonly problem: LedgerProblem;
  constructor(problem: LedgerProblem, message: string, options: GtErrorOptions = {}) {
    super(problem === 'missing' ? 'NOT_FOUND' : 'IO', message, options);
    this.name = 'LedgerUnavailableError';
    this.problem = problem;
  }
}

export function isGtError(e: unknown): e is GtError {
  return e instanceof GtError;
}

/** errno-style code of a Node system error, if any. */
export function errnoCode(e: unknown): string | undefined {
  if (e && typeof e === 'object' && 'code' in e && typeof (e as { code: unknown }).code === 'string') {
    return (e as { code: string }).code;
  }
  return undefined;
}

export function messageOf(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

/** A failed write in words a person acts on: "the disk is full", not "permission denied". */
export function describeWriteError(e: unknown): string {
  const code = errnoCode(e);
  if (code === 'EROFS') return 'read-only file system';
  if (code === 'ENOSPC' || code === 'EDQUOT') return 'the disk is full';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return messageOf(e);
}

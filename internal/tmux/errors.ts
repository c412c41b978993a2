import { GtError } from '../errors.js';

export interface TmuxErrorDetails {
  /** The full argv run, starting with the tmux binary and `-L <socket>`. */
  argv: readonly string[];
  /** tmux's exit status; undefined when it did not exit (timeout, spawn failure, signal). */
  exitCode: number | undefined;
  stderr: string;
  timedOut: boolean;
  socket: string;
}

/**
 * A tmux command failed. Carries everything needed to understand the failure without rerunning
 * it: the argv, the exit status, tmux's stderr and whether our timeout killed it.
 */
export class TmuxError extends GtError {
  readonly argv: readonly string[];
  readonly tmuxExitCode: number | undefined;
  readonly stderr: string;
  readonly timedOut: boolean;
  readonly socket: string;

  constructor(message: string, details: TmuxErrorDetails, options: { hint?: string; cause?: unknown } = {}) {
    super('TMUX_FAILED', message, options);
    this.name = 'TmuxError';
    this.argv = details.argv;
    this.tmuxExitCode = details.exitCode;
    this.stderr = details.stderr;
    this.timedOut = details.timedOut;
    this.socket = details.socket;
  }

  /** "no server running" / a missing socket: the server is simply not there. */
  get noServer(): boolean {
    return isNoServerMessage(this.stderr);
  }

  /** The target session, window or pane does not exist. */
  get notFound(): boolean {
    return isNotFoundMessage(this.stderr);
  }

  override toJSON() {
    return { ...super.toJSON(), argv: [...this.argv], tmuxExitCode: this.tmuxExitCode, stderr: this.stderr, timedOut: this.timedOut };
  }
}

/**
 * A nudge that was not typed: the pane shows a screen only a person may answer (a trust dialog, a
 * login, a permission prompt, ...). Nothing was pressed into it.
 */
export class NudgeRefusedError extends GtError {
  /** Who was to be nudged (an agent identity, or the tmux target). */
  readonly who: string;
  /** The screen, as its recogniser names it. */
  readonly screen: string;
  constructor(who: string, screen: string) {
    super('REFUSED', `refused: ${who} is at ${screen}; a person must answer it`, { hint: `gt attach ${who}` });
    this.name = 'NudgeRefusedError';
    this.who = who;
    this.screen = screen;
  }

  override toJSON() {
    return { ...super.toJSON(), who: this.who, screen: this.screen };
  }
}

/** A session with this name already exists on the server. */
export class SessionExistsError extends GtError {
  readonly session: string;
  constructor(session: string, socket: string) {
    super('CONFLICT', `tmux session ${session} already exists on socket ${socket}`, { hint: 'kill it first or pick another name' });
    this.name = 'SessionExistsError';
    this.session = session;
  }
}

/**
 * tmux 3.3a says "no server running on <path>" when the socket is missing or refuses
 * connections, and "error connecting to <path> (No such file or directory)" in some client paths.
 * Both mean: there is no server, so there are no sessions.
 */
export function isNoServerMessage(stderr: string): boolean {
  return /no server running on /.test(stderr) || /error connecting to .*\((No such file or directory|Connection refused)\)/.test(stderr);
}

export function isNotFoundMessage(stderr: string): boolean {
  // "no current target": the server is emptying (its last session just closed), so nothing matches.
  return /can't find (session|window|pane)|no such (session|window|pane)|session not found|window not found|pane not found|no current target/.test(stderr);
}

import { InvalidInputError } from '../errors.js';
import { isSessionName } from '../names.js';

/* Session names follow the one rule in internal/names.ts (SESSION_NAME_RE). */

/** Socket names (`-L`): the same alphabet plus '.', never '/', so they stay a file name. */
export const SOCKET_NAME_RE = /^[a-zA-Z0-9_.-]{1,100}$/;

/** tmux pane ids (`%N`): the only form gt uses to target a single pane. */
export const PANE_ID_RE = /^%\d+$/;

export function validateSessionName(name: string): string {
  if (!isSessionName(name)) {
    throw new InvalidInputError(`invalid tmux session name ${JSON.stringify(name)}`, 'session names use only letters, digits, "-" and "_" (at most 100)');
  }
  return name;
}

export function validateSocketName(name: string): string {
  if (typeof name !== 'string' || !SOCKET_NAME_RE.test(name)) {
    throw new InvalidInputError(`invalid tmux socket name ${JSON.stringify(name)}`, 'socket names use only letters, digits, ".", "-" and "_"');
  }
  return name;
}

/** Values may hold anything printable; NUL cannot be carried by an environment at all. */
export function validateEnvValue(key: string, value: string): string {
  if (typeof value !== 'string' || value.includes('\0')) {
    throw new InvalidInputError(`environment variable ${key} has a value that is not a string without NUL bytes`);
  }
  return value;
}

export function validatePaneId(id: string): string {
  if (typeof id !== 'string' || !PANE_ID_RE.test(id)) throw new InvalidInputError(`invalid tmux pane id ${JSON.stringify(id)}`, 'pane ids look like %12');
  return id;
}

/** A target for one session, matched exactly (plain `-t name` is a prefix match in tmux). */
export function sessionTarget(name: string): string {
  return `=${validateSessionName(name)}`;
}

/**
 * The active pane of a session's current window, exactly. Commands that take a target-pane or
 * target-window (set-option, send-keys, capture-pane) need the trailing ':' for '=' to apply.
 */
export function sessionPaneTarget(name: string): string {
  return `=${validateSessionName(name)}:`;
}

/** A pane id is used as is; anything else must be a valid session name. */
export function paneTarget(target: string): string {
  return PANE_ID_RE.test(target) ? target : sessionPaneTarget(target);
}

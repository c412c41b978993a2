/**
 * Name rules, each defined once. Zod-free and dependency-free (like errors.ts): tmux, config,
 * the ledger, sessions, rigs and the sim all check names against these, on hot paths too.
 */
import { InvalidInputError } from './errors.js';

/**
 * tmux session names gt creates or accepts (design section 4). Letters, digits, '-' and '_'
 * only: no ':' or '.' (tmux target syntax), no '#' (formats), nothing a shell would interpret, so
 * a valid name is safe everywhere it is pasted. Bounded so it always fits a status line.
 */
export const SESSION_NAME_RE = /^[a-zA-Z0-9_-]{1,100}$/;

/** Rig, polecat, crew and town names: one path segment, starting with a letter or digit. */
export const AGENT_NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,62}$/;
export const AGENT_NAME_HINT = 'use letters, digits, "-" or "_", starting with a letter or digit (at most 63 characters)';

/** A rig's bead prefix, as mayor/rigs.json requires it. Never contains "-", so a session name splits cleanly. */
export const PREFIX_RE = /^[a-z][a-z0-9]{0,9}$/;
export const PREFIX_HINT = 'expected 1-10 lowercase letters or digits, starting with a letter';

/** Environment variable names a shell can export and tmux can set: no "=", no spaces, nothing to expand. */
export const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function isSessionName(name: unknown): name is string {
  return typeof name === 'string' && SESSION_NAME_RE.test(name);
}

/** The one environment-name check (startup commands, tmux -e, role definitions). */
export function assertEnvName(name: string): string {
  if (typeof name !== 'string' || !ENV_NAME_RE.test(name)) {
    throw new InvalidInputError(`invalid environment variable name ${JSON.stringify(name)}`, 'use letters, digits and "_", not starting with a digit');
  }
  return name;
}

import { TmuxError } from './errors.js';
import { assertEnvName } from '../names.js';
import { sessionTarget, validateEnvValue } from './names.js';
import type { Tmux } from './run.js';

/**
 * Set a variable in a session's environment. It applies to processes started in the session from
 * now on (new windows, respawns); a running process's environment cannot be changed from outside.
 */
export async function setSessionEnv(tmux: Tmux, session: string, key: string, value: string): Promise<void> {
  assertEnvName(key);
  validateEnvValue(key, value);
  await tmux.run(['set-environment', '-t', sessionTarget(session), key, value]);
}

export async function unsetSessionEnv(tmux: Tmux, session: string, key: string): Promise<void> {
  assertEnvName(key);
  await tmux.run(['set-environment', '-u', '-t', sessionTarget(session), key]);
}

/** A variable from the session's environment; undefined when unset (or marked removed). */
export async function getSessionEnv(tmux: Tmux, session: string, key: string): Promise<string | undefined> {
  assertEnvName(key);
  const r = await tmux.run(['show-environment', '-t', sessionTarget(session), key], { allowFailure: true });
  if (!r.ok) {
    if (/unknown variable/.test(r.stderr)) return undefined;
    throw new TmuxError(`tmux show-environment failed on socket ${tmux.socket}: ${r.stderr || `exit ${r.exitCode}`}`, { ...r, socket: tmux.socket });
  }
  const line = r.stdout.replace(/\n$/, '');
  // "-KEY" means removed; "KEY=value" otherwise (the value may itself hold '=' or newlines).
  if (line.startsWith('-')) return undefined;
  const prefix = `${key}=`;
  return line.startsWith(prefix) ? line.slice(prefix.length) : undefined;
}

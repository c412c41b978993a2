import { InvalidInputError } from '../errors.js';
import { assertEnvName } from '../names.js';
import { shellQuote, shellQuoteArgv } from '../tmux/quote.js';

/**
 * The single shell command a tmux pane runs to start an agent:
 *
 *   export A='1' B='x'\''y' && exec 'claude' '--dangerously-skip-permissions'
 *
 * Keys are sorted so the same agent always gets the same command (stable across restarts and
 * easy to compare in tests); every key is checked and every value and argument single-quoted,
 * so nothing a person typed is ever interpreted by the shell. `exec` replaces the shell, so the
 * pane's process is the agent itself and its exit ends the pane (liveness depends on that).
 */
export function startupCommand(env: Readonly<Record<string, string>>, argv: readonly string[]): string {
  if (argv.length === 0 || argv[0] === '') throw new InvalidInputError('startup command needs a program to run');
  const keys = Object.keys(env).sort();
  const exports = keys.map((k) => `${assertEnvName(k)}=${shellQuote(env[k]!)}`);
  const execPart = `exec ${shellQuoteArgv(argv)}`;
  return exports.length ? `export ${exports.join(' ')} && ${execPart}` : execPart;
}

/**
 * Quoting for the three languages a string passes through on its way into tmux:
 * tmux's argv parser (a trailing ';' ends a command), tmux's command-string parser (set-hook
 * bodies) and tmux formats ('#' starts a format in run-shell commands, -c paths, status lines).
 * POSIX shell quoting is shared with internal/session so there is one definition of it.
 */
import { InvalidInputError } from '../errors.js';
import { assertShellSafe, shellQuote, shellQuoteArgv } from '../session/quote.js';

export { shellQuote, shellQuoteArgv };

/**
 * tmux (3.3a) treats ANY argv element that ends in ';' as "end of this command", even after
 * `--` and even inside send-keys -l text, silently dropping the ';'. `x\;` is read back as `x;`,
 * so escaping the final ';' that way carries every string through unchanged.
 */
export function tmuxArg(arg: string): string {
  return arg.endsWith(';') ? `${arg.slice(0, -1)}\\;` : arg;
}

/** Make text literal inside a tmux format: '#' is the only format metacharacter. */
export function escapeFormat(text: string): string {
  return text.replace(/#/g, '##');
}

/**
 * One word of tmux's command language (the body of set-hook, bind-key ...). Inside single quotes
 * tmux expands nothing ($, ~, #, ;); a single quote is written '\'' like in sh. Control
 * characters are refused: a newline would end the command.
 */
export function tmuxQuote(text: string): string {
  assertShellSafe(text);
  if (/[\x00-\x1f\x7f]/.test(text)) throw new InvalidInputError(`refusing to embed control characters in a tmux command: ${JSON.stringify(text)}`);
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

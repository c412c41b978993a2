/**
 * Quoting for the four languages a string passes through on its way into tmux and the agent:
 * POSIX shell (the startup command a pane runs, hook commands), tmux's argv parser (a trailing
 * ';' ends a command), tmux's command-string parser (set-hook bodies) and tmux formats ('#'
 * starts a format in run-shell commands, -c paths, status lines). The one definition of each.
 */
import { InvalidInputError } from '../errors.js';

/**
 * POSIX shell quoting. Every value is wrapped in single quotes, inside which the shell expands
 * nothing ($, `, \, ! and newlines are literal); a single quote is written as '\'' (close, an
 * escaped quote, reopen). The result reads back byte-for-byte as one word in sh, bash, dash and zsh.
 *
 * Two things cannot be carried and are refused rather than silently altered: NUL (argv and env
 * strings end at NUL) and lone UTF-16 surrogates (they have no UTF-8 bytes, so the shell would
 * receive U+FFFD instead of the value).
 */
export function shellQuote(value: string): string {
  assertShellSafe(value);
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function assertShellSafe(value: string, what = 'value'): void {
  if (typeof value !== 'string') throw new InvalidInputError(`${what} must be a string`);
  if (value.includes('\0')) throw new InvalidInputError(`${what} contains a NUL byte, which no command line or environment can carry`);
  if (LONE_SURROGATE.test(value)) throw new InvalidInputError(`${what} contains a lone UTF-16 surrogate that has no UTF-8 encoding`);
}

/** An argv vector as one shell word list. */
export function shellQuoteArgv(argv: readonly string[]): string {
  return argv.map((a) => shellQuote(a)).join(' ');
}

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

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

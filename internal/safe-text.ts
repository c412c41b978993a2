/**
 * Text that came from a person or an agent (titles, subjects, bodies, log lines) is shown
 * escaped: a bead title must not retitle the terminal (`\e]0;...\a`), clear the screen or hide
 * what follows (`\e[8m`), and a newline in a one-line field must not break a table.
 *
 * Escaped: C0 controls (`\x1b`, `\r`, `\t` in one-line fields, ...), DEL, the C1 controls
 * (U+0080..U+009F, which some terminals honour like ESC sequences), the Unicode line and
 * paragraph separators, and the bidirectional overrides that make text read differently from
 * what it is. JSON output needs none of this: JSON.stringify escapes controls itself.
 */

// eslint-disable-next-line no-control-regex
const MULTI_LINE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex
const ONE_LINE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeChar(c: string): string {
  const named = NAMED[c];
  if (named) return named;
  const code = c.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** For a field shown on one line (a table cell, a subject): every control escaped, `\n` too. */
export function oneLine(text: string): string {
  return text.replace(ONE_LINE, escapeChar);
}

/** For a block of text (a mail body, a description): newlines and tabs kept, the rest escaped. */
export function safeBlock(text: string): string {
  return text.replace(MULTI_LINE, escapeChar);
}

/**
 * Screen text as the recognisers read it. A capture is the visible pane (tmux capture-pane),
 * possibly with colour escapes, CRLF line ends, trailing spaces and the blank rows below the
 * program's last line. Recognisers look at *where* text sits (the bottom rows, inside the last
 * box, after the last rule), so the row structure is kept; matching across a wrapped sentence
 * uses `flat`, which joins rows with single spaces and drops box borders.
 */

/** At most this much of a capture is read: a screen is far smaller, a runaway capture is not. */
export const MAX_SCREEN_CHARS = 256 * 1024;
/** Only the bottom rows matter; a screen taller than this is read from its bottom. */
export const MAX_SCREEN_ROWS = 400;

// CSI (colours, cursor), OSC (titles, links; ended by BEL or ST), and other two-byte escapes.
const ANSI_RE = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;
const CONTROL_RE = /[\x00-\x08\x0b-\x1f\x7f]/g;

/** The screen's rows: escapes and control characters removed, right-trimmed, trailing blank rows dropped. */
export function screenRows(text: string): string[] {
  const t = text.length > MAX_SCREEN_CHARS ? text.slice(-MAX_SCREEN_CHARS) : text;
  const rows = t
    .replace(ANSI_RE, '')
    .split(/\r?\n|\r/)
    .map((l) => l.replace(CONTROL_RE, '').trimEnd());
  let end = rows.length;
  while (end > 0 && rows[end - 1] === '') end--;
  return rows.slice(Math.max(0, end - MAX_SCREEN_ROWS), end);
}

/** Indexes of the last `n` non-blank rows, top to bottom. */
export function lastNonBlank(rows: readonly string[], n: number): number[] {
  const out: number[] = [];
  for (let i = rows.length - 1; i >= 0 && out.length < n; i--) if (rows[i]!.trim()) out.unshift(i);
  return out;
}

const BORDER_RE = /^[\s│┃║|╭╮╰╯┌┐└┘]+|[\s│┃║|╭╮╰╯┌┐└┘]+$/g;

/** Rows joined into one line: box borders dropped, whitespace collapsed (wrapped sentences read whole). */
export function flat(rows: readonly string[]): string {
  return rows
    .map((r) => r.replace(BORDER_RE, ''))
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** A horizontal rule: a row of box-drawing dashes only (Claude Code and Gemini CLI frame their prompt with these). */
export function isRule(row: string): boolean {
  return /^\s*─{8,}\s*$/.test(row);
}

/** A line a person can read in a log or mail: one line, no control characters, bounded. */
export function oneLine(s: string, max = 120): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

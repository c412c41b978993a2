/**
 * Codex's blocking screens (fixtures: test/fixtures/screens/codex@<version>/).
 *
 * Where things sit: at its prompt Codex draws the composer ("› ...") and one or two status rows
 * at the very bottom; the transcript is above, one cell per block, the agent's text indented
 * under a "•". A picker or approval replaces the composer and ends with its key hint ("Press
 * enter to continue", "enter continue · esc back", "Press enter to confirm or esc to cancel") as
 * the last row. Codex's own errors are cells starting with "■" in the first column; the usage
 * limit is one of them, the last cell above the composer.
 */
import { hour24, monthNumber, resolveClockTime } from './reset-time.js';
import { flat, lastNonBlank, oneLine, screenRows } from './text.js';
import type { RecognizeOptions } from './options.js';
import type { ScreenVerdict } from './verdict.js';

const HINT = /Press enter to continue|enter continue · esc back|Press enter to confirm or esc to cancel|Press enter to (select|confirm)|enter to (confirm|select)/i;

/** "try again at 7:42 PM", "try again at Dec 3rd, 2026 12:16 AM". */
export function codexResetAt(text: string, opts: RecognizeOptions): number | undefined {
  const m = /try again at\s+(?:([A-Z][a-z]{2})\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\s+)?(\d{1,2}):(\d{2})\s*([AP]M)/i.exec(text);
  if (!m) return undefined;
  const month = m[1] ? monthNumber(m[1]) : undefined;
  return resolveClockTime(
    {
      hour: hour24(Number(m[4]), m[6]!),
      minute: Number(m[5]),
      ...(month !== undefined ? { month, day: Number(m[2]), year: Number(m[3]) } : {}),
    },
    opts.now ?? Date.now(),
    opts.timeZone,
  );
}

/** The rows above a dialog's hint that can hold its title (the dialog, and maybe transcript above it). */
function above(rows: string[], hintRow: number, n = 30): string {
  return flat(rows.slice(Math.max(0, hintRow - n), hintRow + 1));
}

/** Is Codex at its composer ("› ..." among the bottom rows, no dialog hint as the last row)? */
export function codexAtPrompt(text: string): boolean {
  const rows = screenRows(text);
  if (lastNonBlank(rows, 1).some((i) => HINT.test(rows[i]!))) return false;
  return lastNonBlank(rows, 5).some((i) => /^›(\s|$)/.test(rows[i]!));
}

export function recognizeCodex(text: string, opts: RecognizeOptions = {}): ScreenVerdict | null {
  const rows = screenRows(text);
  // A dialog's key hint is the screen's last row: nothing of Codex's own is drawn below it.
  const [hintRow] = lastNonBlank(rows, 1).filter((i) => HINT.test(rows[i]!));
  if (hintRow !== undefined) {
    // The hint says which family of dialog this is; the title above it, which one.
    const hint = rows[hintRow]!;
    const window = above(rows, hintRow);
    if (/Press enter to confirm or esc to cancel/i.test(hint)) {
      const ask = /Would you like to (run the following command|make the following edits|grant [^?]*|allow [^?]*)\?/.exec(window);
      if (ask) {
        const cmd = /\$ (.+?)(?= › 1\.| 1\. |$)/.exec(window.slice(ask.index))?.[1];
        return { kind: 'permission', reason: `Codex's permission prompt (${oneLine(ask[0], 60)}${cmd ? ` $ ${oneLine(cmd, 60)}` : ''})` };
      }
    } else if (/enter continue · esc back/i.test(hint)) {
      if (/Trust this folder\?|Do you trust the (files|contents) (in|of) this (folder|directory)/.test(window)) return { kind: 'trust', reason: "Codex's folder trust dialog" };
    } else if (/Press enter to continue/i.test(hint)) {
      if (/Sign in with ChatGPT|Sign in with Device Code|Sign in another way|Choose how you want to use Codex/.test(window)) return { kind: 'login', reason: "Codex's sign-in picker" };
    }
    if (/Usage limit reached|included usage is exhausted/.test(window)) return { kind: 'usage-limit', reason: "Codex's usage limit menu" };
    return { kind: 'dialog', reason: `a Codex dialog ("${oneLine(hint.trim(), 60)}")` };
  }
  // The composer: the last row starting with "›" among the bottom rows.
  const tail = lastNonBlank(rows, 5);
  const composer = [...tail].reverse().find((i) => /^›(\s|$)/.test(rows[i]!));
  if (composer === undefined) return null;
  // The last transcript cell above it: rows up to the previous blank row.
  let i = composer - 1;
  while (i >= 0 && !rows[i]!.trim()) i--;
  const cell: string[] = [];
  for (; i >= 0 && rows[i]!.trim(); i--) cell.unshift(rows[i]!);
  // A limit Codex reports starts its cell with "■" in the first column; the agent's own words
  // are indented under its "•", so they never start a row there.
  if (cell.length && /^■ You[’']ve hit your usage limit/.test(cell[0]!)) {
    const line = flat(cell);
    const resetAt = codexResetAt(line, opts);
    const when = /try again at\s+([^.]*?\d{1,2}:\d{2}\s*[AP]M)/i.exec(line)?.[1];
    return { kind: 'usage-limit', reason: `Codex's usage limit${when ? ` (try again at ${oneLine(when, 40)})` : ''}`, ...(resetAt !== undefined ? { resetAt } : {}) };
  }
  return null;
}

/**
 * Gemini CLI's blocking screens (fixtures: test/fixtures/screens/gemini@<version>/).
 *
 * Where things sit: at its prompt Gemini CLI draws a rule, the input row ("> Type your message")
 * and a status block (workspace, sandbox, model) at the bottom; the transcript, tool boxes
 * included, is above. A dialog (trust, authentication, a tool confirmation, a quota choice)
 * replaces all of that with one rounded box ending in the bottom row of the screen. So: the box
 * whose "╰…╯" is the last row, read from its "╭" down.
 */
import { hour24, resolveClockTime } from './reset-time.js';
import { flat, lastNonBlank, oneLine, screenRows } from './text.js';
import type { RecognizeOptions } from './options.js';
import type { ScreenVerdict } from './verdict.js';

/** "Access resets at 8:19 PM UTC." (Intl en-US short zone names: "UTC", "PST", "GMT+2"). */
export function geminiResetAt(text: string, opts: RecognizeOptions): number | undefined {
  const m = /Access resets at\s+(\d{1,2}):(\d{2})\s*([AP]M)(?:\s+((?:UTC|GMT)(?:[+-]\d{1,2}(?::\d{2})?)?|[A-Z]{2,5}))?/i.exec(text);
  if (!m) return undefined;
  return resolveClockTime({ hour: hour24(Number(m[1]), m[3]!), minute: Number(m[2]), ...(m[4] ? { zone: m[4] } : {}) }, opts.now ?? Date.now(), opts.timeZone);
}

/** The rows of the box that ends the screen, or undefined when the screen does not end in a box. */
function bottomBox(rows: string[]): string[] | undefined {
  const [end] = lastNonBlank(rows, 1);
  if (end === undefined || !/^\s*╰─+╯\s*$/.test(rows[end]!)) return undefined;
  const indent = rows[end]!.indexOf('╰');
  for (let i = end - 1; i >= 0; i--) {
    const r = rows[i]!;
    // The outer box's own top, at the same column (a nested box inside starts further right).
    if (r.indexOf('╭') === indent && /^\s*╭─+╮\s*$/.test(r)) return rows.slice(i + 1, end);
    if (r[indent] !== '│') return undefined;
  }
  // Bordered up to the first row: a box taller than the screen, its top scrolled off.
  return rows.slice(0, end);
}

/**
 * Is Gemini CLI at its input row above its status block, no dialog box at the bottom? The row
 * starts with its mode: ">" (default), "*" (YOLO, as gt starts it in bypass mode), "!" (shell).
 */
export function geminiAtPrompt(text: string): boolean {
  const rows = screenRows(text);
  if (bottomBox(rows)) return false;
  return lastNonBlank(rows, 6).some((i) => /^\s*[>*!]\s/.test(rows[i]!)) && lastNonBlank(rows, 4).some((i) => /\bworkspace\b|\bsandbox\b|\/model\b/.test(rows[i]!));
}

export function recognizeGemini(text: string, opts: RecognizeOptions = {}): ScreenVerdict | null {
  const rows = screenRows(text);
  const box = bottomBox(rows);
  if (!box) return null;
  const t = flat(box);
  if (/Do you trust (the files in )?this folder\?/.test(t) || (/Trust folder/.test(t) && /Don't trust/.test(t))) return { kind: 'trust', reason: "Gemini CLI's folder trust dialog" };
  if (/How would you like to authenticate/.test(t)) {
    if (/Existing API key detected/.test(t)) return { kind: 'api-key', reason: 'Gemini CLI\'s authentication picker ("Existing API key detected (GEMINI_API_KEY)")' };
    return { kind: 'login', reason: "Gemini CLI's authentication picker" };
  }
  if (/Enter Gemini API Key/.test(t)) return { kind: 'login', reason: "Gemini CLI's API key entry" };
  if (/Waiting for auth|Login with Google|Sign in with Google to continue/.test(t)) return { kind: 'login', reason: "Gemini CLI's sign-in wait" };
  const ask = /(Allow execution of[^?]*|Apply this change|Do you want to proceed|Allow (?:edit|fetch|access)[^?]*)\?/.exec(t);
  if (ask && /Allow once|Yes, allow once|Allow for this session|No, suggest changes/.test(t)) {
    return { kind: 'permission', reason: `Gemini CLI's permission prompt (${oneLine(ask[0], 80)})` };
  }
  if (/Usage limit reached for/.test(t)) {
    const resetAt = geminiResetAt(t, opts);
    const what = /Usage limit reached for ([^.]+)\./.exec(t)?.[1];
    const when = /Access resets at ([^.]+)\./.exec(t)?.[1];
    return {
      kind: 'usage-limit',
      reason: `Gemini CLI's usage limit (${what ? `${oneLine(what, 40)}` : 'reached'}${when ? `, resets at ${oneLine(when, 30)}` : ''})`,
      ...(resetAt !== undefined ? { resetAt } : {}),
    };
  }
  // Any other box at the bottom holding a numbered choice is a dialog a person must answer
  // (e.g. "you don't have access to <model>: switch to ...?").
  if (/[●○◯]\s*\d+\.\s/.test(t) || /\(Use Enter to select\)/.test(t)) return { kind: 'dialog', reason: `a Gemini CLI dialog (${oneLine(box.map((r) => r.replace(/^[\s│]+|[\s│]+$/g, '')).find((r) => r.length > 0) ?? '', 60)})` };
  return null;
}

/**
 * Claude Code's blocking screens (fixtures: test/fixtures/screens/claude@<version>/).
 *
 * Where things sit: at its prompt Claude Code draws an input box (a rule, "❯ ...", a rule) with a
 * footer under it, and the transcript above. A dialog replaces the input box: it starts with a
 * rule and ends with a key hint ("Enter to confirm · Esc to cancel"). So the rows after the last
 * rule are either the footer (prompt showing) or the dialog, and nothing the agent prints in its
 * transcript can reach them.
 */
import { hour24, monthNumber, resolveClockTime } from './reset-time.js';
import { flat, isRule, lastNonBlank, oneLine, screenRows } from './text.js';
import type { RecognizeOptions } from './options.js';
import type { ScreenVerdict } from './verdict.js';

const DIALOG_HINT = /Enter to confirm · Esc to cancel|Esc to cancel · Tab to amend|Esc to cancel$|Enter to (confirm|select|continue)/;
const PROMPT_ROW = /^❯(\s|$)/;

/** "resets 7:53pm (UTC)", "resets 3pm", "resets Dec 3, 3:30pm (Europe/Berlin)", "resets Dec 3, 2027, 3pm (UTC)". */
export function claudeResetAt(text: string, opts: RecognizeOptions): number | undefined {
  const m = /resets\s+(?:([A-Z][a-z]{2})\s+(\d{1,2}),\s+(?:(\d{4}),\s+)?)?(\d{1,2})(?::(\d{2}))?\s*([ap]m)(?:\s+\(([^)]+)\))?/i.exec(text);
  if (!m) return undefined;
  const month = m[1] ? monthNumber(m[1]) : undefined;
  return resolveClockTime(
    {
      hour: hour24(Number(m[4]), m[6]!),
      minute: Number(m[5] ?? 0),
      ...(month !== undefined ? { month, day: Number(m[2]) } : {}),
      ...(m[3] ? { year: Number(m[3]) } : {}),
      ...(m[7] ? { zone: m[7] } : {}),
    },
    opts.now ?? Date.now(),
    opts.timeZone,
  );
}

/** The limit line Claude Code writes under the prompt that hit it: "⎿  You've hit your session limit · resets 7:53pm (UTC)". */
const LIMIT_ROW = /^\s*⎿\s+(You['’]ve (?:hit|reached) your [^·]*?limit\b.*)$/;

function usageLimit(limitRow: string | undefined, opts: RecognizeOptions): ScreenVerdict {
  const line = limitRow ? LIMIT_ROW.exec(limitRow)?.[1] : undefined;
  const resetAt = line ? claudeResetAt(line, opts) : undefined;
  return {
    kind: 'usage-limit',
    reason: line ? `Claude Code's usage limit (${oneLine(line, 100)})` : "Claude Code's usage limit",
    ...(resetAt !== undefined ? { resetAt } : {}),
  };
}

/** The dialog below the last rule. */
function dialog(rows: string[], limitRow: string | undefined, opts: RecognizeOptions): ScreenVerdict | null {
  const text = flat(rows);
  if (/Yes, I trust this folder|Is this a project you created or one you trust/.test(text)) return { kind: 'trust', reason: "Claude Code's folder trust dialog" };
  if (/Detected a custom API key|Do you want to use this API key\?/.test(text)) return { kind: 'api-key', reason: 'Claude Code\'s "Detected a custom API key" confirmation' };
  if (/Bypass Permissions mode/.test(text) && /Yes, I accept/.test(text)) return { kind: 'bypass-confirm', reason: "Claude Code's Bypass Permissions confirmation" };
  if (/Stop and wait for limit to reset|wait for limit to reset/.test(text)) return usageLimit(limitRow, opts);
  if (/Select login method|Claude account with subscription|Anthropic Console account/.test(text)) return { kind: 'login', reason: "Claude Code's login method picker" };
  const ask = /Do you want to (proceed|make this edit|create|allow|run)\b[^?]*\?/.exec(text);
  if (ask) {
    // The first row of the dialog names the tool ("Bash command", "Edit file").
    const title = rows.map((r) => r.trim()).find(Boolean);
    return { kind: 'permission', reason: `Claude Code's permission prompt (${title ? `${oneLine(title, 60)}: ` : ''}${oneLine(ask[0], 60)})` };
  }
  const title = rows.map((r) => r.trim()).find(Boolean);
  return { kind: 'dialog', reason: `a Claude Code dialog${title ? ` (${oneLine(title, 60)})` : ''}` };
}

/**
 * Is Claude Code showing its input box (rule, "❯" row, rule) at the bottom, i.e. started and at
 * its prompt (a dialog replaces the box)? Read with recognizeClaude first: "Not logged in" is
 * drawn under a box too.
 */
export function claudeAtPrompt(text: string): boolean {
  const rows = screenRows(text);
  const rules: number[] = [];
  for (let i = rows.length - 1; i >= 0 && rules.length < 2 && rows.length - i <= 16; i--) if (isRule(rows[i]!)) rules.unshift(i);
  if (rules.length < 2) return false;
  const [top, last] = rules as [number, number];
  return last - top <= 12 && rows.slice(top + 1, last).some((r) => PROMPT_ROW.test(r));
}

export function recognizeClaude(text: string, opts: RecognizeOptions = {}): ScreenVerdict | null {
  const rows = screenRows(text);
  let last = -1;
  for (let i = rows.length - 1; i >= 0; i--) {
    if (isRule(rows[i]!)) {
      last = i;
      break;
    }
  }
  // No rule at all: a dialog taller than the screen (its top rule scrolled off) is read whole.
  // The usage-limit notice in the transcript (the reset time is only there, not in the menu).
  let limitRow: string | undefined;
  for (let i = last - 1; i >= 0 && limitRow === undefined; i--) if (LIMIT_ROW.test(rows[i]!)) limitRow = rows[i];

  // An input box: rule, prompt row(s), rule. Then what follows the last rule is the footer.
  let top = -1;
  for (let i = last - 1; last >= 0 && i >= 0 && i >= last - 12; i--) {
    if (isRule(rows[i]!)) {
      top = i;
      break;
    }
  }
  const boxed = top >= 0 && rows.slice(top + 1, last).some((r) => PROMPT_ROW.test(r));
  if (boxed) {
    const footer = flat(rows.slice(last + 1));
    if (/Not logged in\s*·\s*Run \/login/.test(footer)) return { kind: 'login', reason: 'Claude Code\'s "Not logged in · Run /login" prompt' };
    // After "Stop and wait for limit to reset": the limit line is the answer to the last prompt.
    let i = top - 1;
    while (i >= 0 && (!rows[i]!.trim() || /^[^\s⎿❯●]\s\S+ for \d/.test(rows[i]!))) i--;
    const answer: string[] = [];
    for (; i >= 0 && !PROMPT_ROW.test(rows[i]!); i--) answer.unshift(rows[i]!);
    const first = answer.find((r) => r.trim());
    if (i >= 0 && first !== undefined && LIMIT_ROW.test(first)) return usageLimit(first, opts);
    return null;
  }
  const dialogRows = rows.slice(last + 1);
  const hint = lastNonBlank(dialogRows, 2).some((j) => DIALOG_HINT.test(dialogRows[j]!.trim()));
  if (!hint) return null;
  return dialog(dialogRows, limitRow, opts);
}

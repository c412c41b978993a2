/**
 * OpenCode's blocking screens (fixtures: test/fixtures/screens/opencode@<version>/).
 *
 * Where things sit: the prompt panel is the bottom block of rows marked "┃" and closed by a
 * "╹▀▀▀" row; under it one status row (spinner, retry notices, key hints). A permission request
 * takes the prompt panel's place: "△ Permission required", the request, and a choice row
 * ("Allow once   Allow always   Reject") at the bottom of the screen. A usage limit is a retry
 * notice in the status row under the panel, OpenCode waiting by itself until the reset.
 * The transcript, where an agent's words go, is above the panel.
 */
import { parseDuration } from './reset-time.js';
import { flat, lastNonBlank, oneLine, screenRows } from './text.js';
import type { RecognizeOptions } from './options.js';
import type { ScreenVerdict } from './verdict.js';

const CHOICES = /Allow once\s+Allow always\s+Reject/;

/** Is OpenCode at its prompt panel ("┃" rows closed by "╹▀▀▀" near the bottom, no permission choice)? */
export function opencodeAtPrompt(text: string): boolean {
  const rows = screenRows(text);
  if (lastNonBlank(rows, 3).some((i) => CHOICES.test(rows[i]!))) return false;
  // The home screen centres the panel: it can sit well above the bottom (the path row).
  for (let i = rows.length - 1; i >= 1 && rows.length - i <= 30; i--) {
    if (/^\s*╹▀+/.test(rows[i]!)) return /^\s*┃/.test(rows[i - 1]!);
  }
  return false;
}

export function recognizeOpencode(text: string, opts: RecognizeOptions = {}): ScreenVerdict | null {
  const rows = screenRows(text);
  const bottom = lastNonBlank(rows, 3);
  const choice = bottom.find((i) => /^\s*┃/.test(rows[i]!) && CHOICES.test(rows[i]!));
  // The request panel runs to the bottom of the screen: every row under the choices is still in it.
  if (choice !== undefined && rows.slice(choice + 1).every((r) => !r.trim() || /^\s*┃/.test(r))) {
    // The request's title, in the same panel a few rows up.
    for (let i = choice - 1; i >= 0 && choice - i <= 40; i--) {
      const r = rows[i]!;
      if (!/^\s*┃/.test(r)) break;
      if (/△\s*Permission required/.test(r)) {
        const what = rows
          .slice(i + 1, choice)
          .map((x) => x.replace(/^\s*┃\s*/, '').trim())
          .find((x) => x.length > 0);
        return { kind: 'permission', reason: `OpenCode's permission prompt${what ? ` (${oneLine(what.replace(/^#\s*/, ''), 60)})` : ''}` };
      }
    }
    return { kind: 'dialog', reason: 'an OpenCode choice (Allow once / Allow always / Reject)' };
  }
  // The status rows under the prompt panel.
  let panelEnd = -1;
  for (let i = rows.length - 1; i >= 0 && rows.length - i <= 8; i--) {
    if (/^\s*╹▀+/.test(rows[i]!)) {
      panelEnd = i;
      break;
    }
  }
  if (panelEnd < 0) return null;
  const status = flat(rows.slice(panelEnd + 1));
  const limit = /usage\W+limit reached\.?\s+It will reset in\s+([^.]+?)\./i.exec(status);
  if (limit) {
    const retry = /\[retrying in ([^\]]*?)\s*attempt/i.exec(status)?.[1];
    const ms = parseDuration(limit[1]!) ?? (retry ? parseDuration(retry) : undefined);
    const now = opts.now ?? Date.now();
    return {
      kind: 'usage-limit',
      reason: `OpenCode's usage limit (resets in ${oneLine(limit[1]!, 30)}${retry ? `, retrying in ${oneLine(retry, 20)}` : ''})`,
      ...(ms !== undefined ? { resetAt: now + ms } : {}),
    };
  }
  return null;
}

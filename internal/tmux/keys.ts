import { InvalidInputError } from '../errors.js';
import { capturePane } from './capture.js';
import { NudgeRefusedError } from './errors.js';
import { PANE_ID_RE, paneTarget, validatePaneId } from './names.js';
import type { Tmux } from './run.js';

/** Type text into a pane exactly as given (`send-keys -l`: no key names, no shell). */
export async function sendKeys(tmux: Tmux, target: string, text: string): Promise<void> {
  if (text.includes('\0')) throw new InvalidInputError('text to type contains a NUL byte');
  if (!text) return;
  await tmux.run(['send-keys', '-t', paneTarget(target), '-l', '--', text]);
}

/** The pane id (`%N`) of a target: a pane id as is, or a session's active pane. */
export async function resolvePane(tmux: Tmux, target: string): Promise<string> {
  if (PANE_ID_RE.test(target)) return target;
  const r = await tmux.run(['display-message', '-p', '-t', paneTarget(target), '#{pane_id}']);
  return validatePaneId(r.stdout.trim());
}

/** Named keys gt sends on its own (never user text). */
export type KeyName = 'Enter' | 'Escape' | 'C-c' | 'C-d' | 'C-u' | 'Up' | 'Down' | 'Tab' | 'BSpace';

export async function sendKey(tmux: Tmux, target: string, key: KeyName): Promise<void> {
  await tmux.run(['send-keys', '-t', paneTarget(target), key]);
}

/**
 * Text safe to type into an agent's prompt: control characters (C0, DEL, C1) removed so nothing
 * can press Enter, Escape or Ctrl-C on the agent's behalf; line breaks and tabs become spaces so
 * a multi-line message stays one prompt.
 */
export function sanitizeNudgeText(text: string): string {
  return text
    .replace(/\r\n|[\r\n\t]/g, ' ')
    .replace(/[\x00-\x1f\x7f-\x9f]/g, '')
    .trim();
}

export interface NudgeOptions {
  /** How many times Enter is sent at most. */
  enterAttempts?: number;
  /** How long to wait for the pane to change after each Enter. */
  verifyMs?: number;
  pollMs?: number;
  /** Pause between typing the text and pressing Enter, so a TUI sees a paste and then a key. */
  settleMs?: number;
  /**
   * Names the blocking screen the pane shows (from its captured text), or null. Asked before the
   * first key and again before every Enter: at such a screen nothing is typed or pressed and the
   * nudge fails with NudgeRefusedError.
   */
  refuseAt?: (screen: string) => string | null;
  /** Who is nudged, for the refusal line (default: the target). */
  who?: string;
}

export interface NudgeResult {
  /** The pane changed after Enter. */
  delivered: boolean;
  enterAttempts: number;
  text: string;
}

/**
 * Type a message into an agent and submit it. The text is sent literally, then Enter separately
 * (TUIs treat a pasted newline as part of the text), and Enter is retried a bounded number of
 * times until the pane's content changes — some agents drop a key that arrives mid-render.
 */
export async function nudge(tmux: Tmux, target: string, text: string, opts: NudgeOptions = {}): Promise<NudgeResult> {
  const clean = sanitizeNudgeText(text);
  if (!clean) throw new InvalidInputError('nothing to send: the message is empty once control characters are removed');
  const attempts = Math.max(1, opts.enterAttempts ?? 3);
  const verifyMs = opts.verifyMs ?? 1_000;
  const pollMs = opts.pollMs ?? 50;
  // Resolve once: every step must hit the same pane even if someone switches panes meanwhile.
  const t = await resolvePane(tmux, target);
  // A dialog reads keys as answers (a digit picks an option, Enter confirms the default): look
  // before typing anything.
  const guard = async (): Promise<string> => {
    const screen = await capturePane(tmux, t, { join: true });
    const blocked = opts.refuseAt?.(screen);
    if (blocked) throw new NudgeRefusedError(opts.who ?? target, blocked);
    return screen;
  };
  if (opts.refuseAt) await guard();
  await sendKeys(tmux, t, clean);
  if (opts.settleMs) await new Promise((r) => setTimeout(r, opts.settleMs));
  // Wait for the text itself to appear (or time out): comparing against a capture taken before
  // the pane echoed the text would count the echo as the Enter's effect.
  let before = await capturePane(tmux, t, { join: true });
  const textDeadline = Date.now() + verifyMs;
  const needle = clean.slice(-Math.min(clean.length, 20));
  while (!before.includes(needle) && Date.now() < textDeadline) {
    await new Promise((r) => setTimeout(r, pollMs));
    before = await capturePane(tmux, t, { join: true });
  }
  for (let i = 1; i <= attempts; i++) {
    // A dialog that came up while the text was typed gets no Enter (the text stays in its input).
    if (opts.refuseAt) {
      const screen = await guard();
      // A late reaction to the previous Enter is a delivery, not a reason to press again.
      if (i > 1 && screen !== before) return { delivered: true, enterAttempts: i - 1, text: clean };
      before = screen;
    }
    await sendKey(tmux, t, 'Enter');
    const deadline = Date.now() + verifyMs;
    for (;;) {
      const now = await capturePane(tmux, t, { join: true });
      if (now !== before) return { delivered: true, enterAttempts: i, text: clean };
      if (Date.now() >= deadline) break;
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }
  return { delivered: false, enterAttempts: attempts, text: clean };
}

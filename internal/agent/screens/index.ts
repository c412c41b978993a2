/**
 * Blocking-screen recognisers: which screen of a real agent CLI only a person may answer.
 * Pure and cheap (a few regular expressions over the bottom of one capture), one module per CLI,
 * each tested against fixtures recorded from that CLI (test/fixtures/screens/<cli>@<version>/).
 *
 *   recognizeScreen('claude', captureText)  -> { kind: 'trust', reason: "Claude Code's folder trust dialog" } | null
 */
import { claudeAtPrompt, recognizeClaude } from './claude.js';
import { codexAtPrompt, recognizeCodex } from './codex.js';
import { geminiAtPrompt, recognizeGemini } from './gemini.js';
import { opencodeAtPrompt, recognizeOpencode } from './opencode.js';
import type { RecognizeOptions } from './options.js';
import type { ScreenVerdict } from './verdict.js';

export { SCREEN_KINDS, type ScreenKind, type ScreenVerdict } from './verdict.js';
export type { RecognizeOptions } from './options.js';

type Recogniser = (text: string, opts?: RecognizeOptions) => ScreenVerdict | null;

/** One recogniser per runtime preset that draws a screen of its own (the sim has none). */
export const SCREEN_RECOGNISERS: Readonly<Record<string, Recogniser>> = Object.freeze({
  claude: recognizeClaude,
  codex: recognizeCodex,
  gemini: recognizeGemini,
  opencode: recognizeOpencode,
});

/**
 * The blocking screen `text` (a pane capture, plain or with colour escapes) shows, for the agent
 * CLI `runtime` runs; null when it shows none, or when the runtime has no recogniser.
 */
export function recognizeScreen(runtime: string, text: string, opts: RecognizeOptions = {}): ScreenVerdict | null {
  const r = Object.prototype.hasOwnProperty.call(SCREEN_RECOGNISERS, runtime) ? SCREEN_RECOGNISERS[runtime] : undefined;
  return r ? r(text, opts) : null;
}

/**
 * Where each CLI draws its input prompt once it has started and nothing blocks it (`gt doctor`'s
 * login probe waits for this or a blocking screen). Read after the recogniser: a screen can show
 * both (Claude Code's "Not logged in" sits under its input box).
 */
export const PROMPT_RECOGNISERS: Readonly<Record<string, (text: string) => boolean>> = Object.freeze({
  claude: claudeAtPrompt,
  codex: codexAtPrompt,
  gemini: geminiAtPrompt,
  opencode: opencodeAtPrompt,
});

/** Is an agent of `runtime` at its input prompt? False for a runtime without a prompt recogniser. */
export function atPrompt(runtime: string, text: string): boolean {
  const r = Object.prototype.hasOwnProperty.call(PROMPT_RECOGNISERS, runtime) ? PROMPT_RECOGNISERS[runtime] : undefined;
  return r ? r(text) : false;
}

/**
 * For a runtime gt does not know (a custom command): the first verdict of any recogniser. Each
 * one anchors on its own CLI's screen layout, so they do not fire on each other's screens.
 */
export function recognizeAnyScreen(text: string, opts: RecognizeOptions = {}): ScreenVerdict | null {
  for (const r of Object.values(SCREEN_RECOGNISERS)) {
    const v = r(text, opts);
    if (v) return v;
  }
  return null;
}

/** Runtimes that draw no screen of their own: nothing there for a person to answer. */
const NO_SCREENS = new Set(['sim']);

/** Whether an agent of `runtime` may show a blocking screen at all (worth capturing its pane). */
export function drawsScreens(runtime: string | undefined): boolean {
  return runtime === undefined || !NO_SCREENS.has(runtime);
}

/**
 * The blocking screen an agent of `runtime` shows, the way gt acts on it: its own recogniser for
 * a preset; none for the sim; every recogniser for a runtime gt does not know (a custom command
 * wrapping some CLI), so an unknown wrapper is never how Enter reaches a dialog.
 */
export function blockingScreen(runtime: string | undefined, text: string, opts: RecognizeOptions = {}): ScreenVerdict | null {
  if (runtime !== undefined && NO_SCREENS.has(runtime)) return null;
  const own = runtime !== undefined && Object.prototype.hasOwnProperty.call(SCREEN_RECOGNISERS, runtime) ? SCREEN_RECOGNISERS[runtime] : undefined;
  return own ? own(text, opts) : recognizeAnyScreen(text, opts);
}

/** What a nudge asks before it types into an agent of `runtime`: the blocking screen's name, or null. */
export function nudgeGuard(runtime: string | undefined): (text: string) => string | null {
  return (text) => blockingScreen(runtime, text)?.reason ?? null;
}

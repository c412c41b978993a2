/**
 * What a blocking-screen recogniser says about a pane: which screen a real agent CLI is showing
 * that only a person may answer. The agent state model (internal/agent/state.ts) takes it as its
 * screen input; nudges refuse while one is shown.
 */
export const SCREEN_KINDS = ['trust', 'login', 'api-key', 'bypass-confirm', 'permission', 'usage-limit', 'dialog'] as const;

/**
 * - trust: "do you trust this folder?"
 * - login: a sign-in or authentication picker, or "not logged in"
 * - api-key: "use this API key?" confirmation
 * - bypass-confirm: the confirmation of a permission-bypass mode
 * - permission: a tool (command, edit) waiting for approval
 * - usage-limit: the account's usage limit is reached (resetAt when the screen shows when it resets)
 * - dialog: another modal choice the CLI waits on (e.g. Gemini CLI's "switch model?" after a model
 *   it cannot reach); a person must pick, so nothing types into it
 */
export type ScreenKind = (typeof SCREEN_KINDS)[number];

export interface ScreenVerdict {
  kind: ScreenKind;
  /** One human line naming the screen, e.g. "Claude Code's folder trust dialog". */
  reason: string;
  /** When the usage limit resets (epoch ms), if the screen says. */
  resetAt?: number;
}

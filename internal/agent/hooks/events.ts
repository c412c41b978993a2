import { join } from 'node:path';
import { packageRoot } from '../../fsx/package-root.js';

/**
 * The CLIs' own hook events and the heartbeat-file state each one records (the shared contract:
 * `working` = inside a turn, `idle` = at its prompt, `blocked` + reason = waiting for a person).
 * agent-hook.sh implements this table; test/unit/agent-hook.test.ts runs the script for every row.
 */
export interface HookEventRule {
  /** The state written; `"per payload"` rows depend on the event's JSON (see `cases`). */
  state: 'working' | 'idle' | 'blocked' | 'per payload';
  /** For "per payload" rows: payload value -> state[: reason]. */
  cases?: Readonly<Record<string, string>>;
  /** Why this event is wired. */
  why: string;
}

export const CLAUDE_HOOK_EVENTS: Readonly<Record<string, HookEventRule>> = {
  SessionStart: { state: 'idle', why: 'the CLI is up at its prompt; its session_id is kept for restart.resume' },
  UserPromptSubmit: { state: 'working', why: 'a turn starts' },
  PostToolUse: { state: 'working', why: 'progress inside a long turn (every tool call)' },
  Stop: { state: 'idle', why: 'the turn ended; back at the prompt' },
  StopFailure: {
    state: 'per payload',
    cases: { rate_limit: 'blocked: usage-limit', billing_error: 'blocked: usage-limit', authentication_failed: 'blocked: login', oauth_org_not_allowed: 'blocked: login', '*': 'idle (error and message recorded)' },
    why: 'the turn ended on an API error (connection refused, 429, 401, ...); the error and its message are recorded',
  },
  Notification: {
    state: 'per payload',
    cases: { permission_prompt: 'blocked: permission', elicitation_dialog: 'blocked: question', '*': 'idle' },
    why: 'the CLI waits for a person (a tool permission, a question) or sits idle at its prompt',
  },
};

export const CODEX_HOOK_EVENTS: Readonly<Record<string, HookEventRule>> = {
  SessionStart: { state: 'idle', why: 'the CLI is up at its prompt; its session id is kept for `codex resume` and notify' },
  UserPromptSubmit: { state: 'working', why: 'a turn starts' },
  PostToolUse: { state: 'working', why: 'progress inside a long turn (every tool call)' },
  Stop: { state: 'idle', why: 'the turn ended' },
  PermissionRequest: { state: 'blocked', cases: { '*': 'blocked: permission' }, why: 'Codex asks a person to approve a command (permissions "ask")' },
};

/** Codex's notify program: `agent-turn-complete` of the agent's own thread -> idle; other threads (titles) -> nothing. */
export const CODEX_NOTIFY_EVENT = 'notify';

/** The hook script shipped with gt. */
export function agentHookScript(root: string = packageRoot()): string {
  return join(root, 'internal', 'agent', 'hooks', 'agent-hook.sh');
}

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

/**
 * Gemini CLI (0.61): hooks in its settings (`hooks.<event>`), run with the event's JSON on stdin
 * ({session_id, transcript_path, cwd, hook_event_name, timestamp, ...}). Measured live: SessionStart
 * fires at start-up before any prompt, BeforeAgent/AfterAgent around every turn, AfterTool after
 * every tool, Notification (notification_type "ToolPermission") when a tool waits for approval.
 */
export const GEMINI_HOOK_EVENTS: Readonly<Record<string, HookEventRule>> = {
  SessionStart: { state: 'idle', why: 'the CLI is up at its prompt; its session_id is kept' },
  BeforeAgent: { state: 'working', why: 'a turn starts' },
  AfterTool: { state: 'working', why: 'progress inside a long turn (every tool call)' },
  AfterAgent: { state: 'idle', why: 'the turn ended; back at the prompt' },
  Notification: {
    state: 'per payload',
    cases: { ToolPermission: 'blocked: permission', '*': 'nothing written' },
    why: 'a tool waits for a person to approve it (permissions "ask")',
  },
};

/**
 * OpenCode (1.18): no hook commands; gt's plugin (runtimes/opencode-plugin.ts), loaded by OpenCode
 * itself, turns its bus events into these names and runs agent-hook.sh for each, only for the
 * agent's own session (not subagents' child sessions) and only when the state changes (tool calls
 * always count: progress).
 */
export const OPENCODE_HOOK_EVENTS: Readonly<Record<string, HookEventRule>> = {
  SessionStart: { state: 'idle', why: 'the plugin is loaded: OpenCode is up' },
  UserPromptSubmit: { state: 'working', why: 'session.status busy: a turn runs' },
  PostToolUse: { state: 'working', why: 'tool.execute.after: progress inside a long turn' },
  Stop: { state: 'idle', why: 'session.status idle / session.idle: the turn ended' },
  PermissionRequest: { state: 'blocked', cases: { '*': 'blocked: permission' }, why: 'permission.asked: a tool waits for approval (without --auto)' },
  Retry: {
    state: 'per payload',
    cases: { 'usage limit': 'blocked: usage-limit (message recorded)', '*': 'working (message recorded)' },
    why: 'session.status retry: OpenCode waits to retry a failed model request (a usage limit waits for its reset)',
  },
};

/** Codex's notify program: `agent-turn-complete` of the agent's own thread -> idle; other threads (titles) -> nothing. */
export const CODEX_NOTIFY_EVENT = 'notify';

/** The hook script shipped with gt. */
export function agentHookScript(root: string = packageRoot()): string {
  return join(root, 'internal', 'agent', 'hooks', 'agent-hook.sh');
}

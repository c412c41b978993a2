import type { Liveness } from '../../agent/liveness.js';
import type { AgentSpec } from '../../session/resolve.js';
import type { Level } from '../logger.js';

/**
 * What decide() asks act to do. Agent actions carry the full AgentSpec (identity, session,
 * workdir) and the liveness decide saw, so act can re-check right before a destructive step
 * (TOCTOU): e.g. skip a `restart` of a zombie whose agent came back, or a `start` of a session
 * that appeared meanwhile.
 *
 * Order matters: act applies one agent's actions in list order (a claimLifecycle comes before the
 * restart it causes).
 */

export interface StartAction {
  type: 'start';
  agent: AgentSpec;
  reason: string;
  observed: Liveness;
}

/** Kill the session's whole process tree, then start it again. */
export interface RestartAction {
  type: 'restart';
  agent: AgentSpec;
  reason: string;
  observed: Liveness;
}

/** Kill the session's whole process tree and the session; do not start it. */
export interface KillAction {
  type: 'kill';
  agent: AgentSpec;
  reason: string;
  observed: Liveness;
}

export interface NudgeAction {
  type: 'nudge';
  agent: AgentSpec;
  text: string;
  observed: Liveness;
}

/** Set the agent bead's agent_state to `dead` (circuit breaker), if it is still `expectState`. */
export interface MarkDeadAction {
  type: 'markDead';
  agent: AgentSpec;
  reason: string;
  observed: Liveness;
  expectState: string;
}

export interface MailAction {
  type: 'mail';
  to: string;
  subject: string;
  body: string;
  /** The dedup slot that allowed it (act may clear it if sending fails, so it is retried). */
  slot: string;
  /** A session whose last screen lines act appends to the body (what a person would see there). */
  screenOf?: string;
}

export interface LogAction {
  type: 'log';
  level: Level;
  message: string;
  slot?: string;
}

/** Close the lifecycle message before acting on it, so a crash mid-action never repeats it. */
export interface ClaimLifecycleAction {
  type: 'claimLifecycle';
  id: string;
  from: string;
  /** Claimed without acting: why (a sender who may not ask for it). act logs this as its one line. */
  refused?: string;
}

export interface DeleteLifecycleAction {
  type: 'deleteLifecycle';
  id: string;
  from: string;
  reason: string;
}

/**
 * End a finished or idle polecat: its session, then (unless `keep`) its worktree and branch; its
 * agent bead becomes `nuked`. Act checks again that nothing unmerged is lost (rig/reap.ts).
 * (`polecat`, not `agent`: it is not one of the agent actions act-agents applies.)
 */
export interface ReapAction {
  type: 'reap';
  polecat: { identity: string; rig: string; name: string };
  reason: string;
  keep: boolean;
}

/** Start a queued bead on a new polecat of its rig (act re-checks the cap in the ledger). */
export interface DispatchAction {
  type: 'dispatch';
  bead: string;
  rig: string;
  reason: string;
}

/**
 * Tell the person (the notifier, through the daemon's EventBus as `{ type: 'person', ... }`):
 * one notification per (kind, key) episode; `resolve` ends the episode. `about`: the agent's
 * identity (the event's `agent`; named apart so `'agent' in action` still means an agent action).
 */
export type PersonAction =
  | { type: 'person'; kind: string; key: string; title: string; message: string; severity: 'info' | 'warning' | 'critical'; about?: string }
  | { type: 'person'; kind: string; key: string; resolve: true };

export type AgentAction = StartAction | RestartAction | KillAction | NudgeAction | MarkDeadAction;
export type QueueAction = ReapAction | DispatchAction;
export type Action = AgentAction | MailAction | LogAction | PersonAction | ClaimLifecycleAction | DeleteLifecycleAction | QueueAction;
export type ActionType = Action['type'];

/** Actions that change an agent's session or bead: none may be emitted while a gate is closed. */
export const AGENT_ACTION_TYPES: readonly ActionType[] = ['start', 'restart', 'kill', 'nudge', 'markDead'];

export function isAgentAction(a: Action): a is AgentAction {
  return AGENT_ACTION_TYPES.includes(a.type);
}

/** One short line per action, for logs, `gt daemon status` and snapshot-style tests. */
export function describeAction(a: Action): string {
  switch (a.type) {
    case 'start':
    case 'restart':
    case 'kill':
    case 'nudge':
    case 'markDead':
      return `${a.type} ${a.agent.identity}`;
    case 'mail':
      return `mail ${a.to} ${a.subject.split(':')[0]}`;
    case 'log':
      return `log ${a.level}`;
    case 'person':
      return `person ${a.kind} ${a.key}${'resolve' in a ? ' resolved' : ''}`;
    case 'claimLifecycle':
    case 'deleteLifecycle':
      return `${a.type} ${a.id}`;
    case 'reap':
      return `reap ${a.polecat.identity}`;
    case 'dispatch':
      return `dispatch ${a.bead} to ${a.rig}`;
  }
}

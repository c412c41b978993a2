import type { Liveness } from '../../agent/liveness.js';
import type { ActivityState } from '../../agent/state.js';
import type { AgentState } from '../../ledger/schema.js';
import type { AgentSpec } from '../../session/resolve.js';

/**
 * What decide() sees: plain data gathered by observe. Every time is an epoch-ms number from the
 * same clock as `now` (the call site derives it from a monotonic clock), so decide never reads a
 * clock, a file or tmux itself and a test can replay hours of policy with plain numbers.
 */

/** A proof-of-progress timestamp (a heartbeat file), already parsed to epoch ms. */
export interface Beat {
  timestamp: number;
}

/** An agent's heartbeat file: its last sign of progress and what it says it is doing. */
export interface AgentBeat extends Beat {
  /**
   * What the agent says it is doing, as the agent state model reads its report (agent/state.ts:
   * `stuck` is blocked, `done` idle); undefined when the file names no state of the contract or
   * is older than the session (the previous incarnation's word, not this agent's).
   */
  state?: Exclude<ActivityState, 'dead'>;
  /** Why `blocked` (usage-limit, permission, ...), as reported. */
  reason?: string;
  /** When the reported state began (epoch ms), when the report says. */
  since?: number;
  /** The API error that ended the agent's last turn (e.g. server_error), and the message it showed. */
  error?: string;
  message?: string;
}

export interface BlockedReport {
  /** Why: the screen's kind, or the reason in the agent's report (`usage-limit` belongs to the usage-limit rule). */
  reason: string;
  source: 'screen' | 'heartbeat';
  /** The screen by name, when a screen said so (e.g. "Claude Code's folder trust dialog"). */
  screen?: string;
  /** When a usage limit resets (epoch ms), when the screen shows it. */
  resetAt?: number;
}

/** The parts of an agent bead the policies need. `running` is accepted as a synonym of `working`. */
export interface ObservedBead {
  agent_state: AgentState | 'running';
  hook_bead: string | null;
  /** Bead updated_at as epoch ms: the ledger side of "is it making progress". */
  updated_at: number;
}

export interface ObservedAgent {
  spec: AgentSpec;
  /**
   * A role session the town keeps running (supervisedRoleAgents): started whenever it is missing.
   * Polecats are not "supervised" in this sense; they are managed while their hook holds open work.
   */
  supervised: boolean;
  /** From internal/agent/liveness.ts. An agent whose rig could not be observed this tick must be
   * passed as `unknown` (not left out) so its notification slots are kept. */
  liveness: Liveness;
  bead?: ObservedBead | null;
  /** Its hook bead exists and is not closed: work in flight. */
  hookOpen: boolean;
  /** Its heartbeat file (`.runtime/heartbeats/<session>.json`); null/absent when missing or corrupt. */
  heartbeat?: AgentBeat | null;
  /**
   * Alive and waiting for a person (the agent state model's `blocked`, agent/state.ts): at a
   * blocking screen its recogniser named (trust, login, api-key, bypass-confirm, permission,
   * usage-limit, dialog), or blocked by its own report (permission, question, ...). Absent otherwise.
   */
  blocked?: BlockedReport;
  /**
   * The run seen now, when alive: since its real start (the agent process's start time from
   * /proc, else the session's creation), whoever started it, and its pid. Every "just started"
   * rule counts from here.
   */
  run?: { since: number; pid?: number };
  /** A zombie's dead pane still says how its agent ended (remain-on-exit kept it). */
  exit?: { status?: number; signal?: number };
  /** `unknown` because the session is young and still starting: when its startup grace ends. */
  graceEnds?: number;
  /** Its working directory exists; without it a (re)start cannot work (e.g. a removed worktree). */
  workdirExists: boolean;
  /** Its rig is parked or docked: nothing of it may run. */
  rigInactive?: boolean;
}

export type LifecycleAction = 'cycle' | 'restart' | 'shutdown';

/** A `LIFECYCLE: <identity> requesting <action>` message in the deacon's inbox. */
export interface LifecycleRequest {
  /** The mail bead id: what claimLifecycle closes and deleteLifecycle deletes. */
  id: string;
  /** The agent the subject names, in any identity form gt mail produces (`myrig/toast`, `deacon/`, ...). */
  from: string;
  /** Who sent the mail, as the ledger recorded it (`overseer` for a person): who may ask is checked against this. */
  sender: string;
  action: LifecycleAction;
  createdAt: number;
}

export interface Gates {
  /** daemon/shutdown.lock is held by `gt down`. */
  shutdownLock: boolean;
  /** An ESTOP file exists in the town. */
  estop: boolean;
}

/** A polecat as the reap and dispatch rules see it (observe-queue.ts); reaped (nuked) ones are left out. */
export interface ObservedPolecat {
  identity: string;
  rig: string;
  name: string;
  session: string;
  state: AgentState;
  /** Its hook holds open work: never reaped, and it holds its slot. */
  hookOpen: boolean;
  /** Since when it has had nothing to do (its idle report's since, else its bead's last change); null while it works. */
  idleSince: number | null;
  /** The latest merge-queue entry of its branch; null when none. */
  merge: 'queued' | 'merged' | 'conflict' | 'failed' | null;
  /** What git says (rig/reap.ts PolecatWork); null when not looked at (work on the hook) or git failed. */
  work: { uncommitted: number; unmerged: number } | null;
}

/** A bead waiting in the dispatch queue (rig/dispatch-queue.ts). */
export interface ObservedQueued {
  id: string;
  rig: string;
  priority: number;
  /** Epoch ms it was queued. */
  queuedAt: number;
}

/** What the reap and dispatch rules read: the polecats, the queue in dispatch order, the caps. */
export interface QueueObservation {
  polecats: ObservedPolecat[];
  queued: ObservedQueued[];
  /** Per rig: its cap and whether it takes work (parked and docked rigs do not). */
  rigs: Record<string, { max: number; active: boolean }>;
  townMax: number;
  idleReapMs: number;
  keepDone: boolean;
}

export interface Observation {
  now: number;
  /** Polecats and the dispatch queue; absent: the reap and dispatch rules have nothing to do. */
  queue?: QueueObservation;
  gates: Gates;
  agents: ObservedAgent[];
  /** deacon/heartbeat.json; null/absent when missing or corrupt (treated as no proof of life). */
  deaconHeartbeat?: Beat | null;
  lifecycle: LifecycleRequest[];
}

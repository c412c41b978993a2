/**
 * The heartbeat engine's pure policy core: decide() and the state it carries between ticks.
 * observe builds an Observation, act applies the Actions; nothing here does I/O except the
 * load/save helpers of the two persisted state files.
 */
export type { AgentBeat, Beat, BlockedReport, Gates, LifecycleAction, LifecycleRequest, Observation, ObservedAgent, ObservedBead, ObservedPolecat, ObservedQueued, QueueObservation } from './observation.js';
export type {
  Action,
  ActionType,
  AgentAction,
  ClaimLifecycleAction,
  DeleteLifecycleAction,
  DispatchAction,
  KillAction,
  PersonAction,
  QueueAction,
  ReapAction,
  LogAction,
  MailAction,
  MarkDeadAction,
  NudgeAction,
  RestartAction,
  StartAction,
} from './actions.js';
export { AGENT_ACTION_TYPES, describeAction, isAgentAction } from './actions.js';
export type { AgentRestart, CrashLoop, Death, Exit, Hold, RestartConfig, RestartState, Run, StartError, StartVerdict } from './restart-tracker.js';
export {
  RESTART_STATE_LABEL,
  agentRestart,
  agentRestartSchema,
  backoffFor,
  canStart,
  clear,
  clearBackoff,
  crashesInWindow,
  decay,
  decaysAt,
  emptyAgentRestart,
  emptyRestartState,
  lastCrash,
  loadRestartState,
  recordAttempt,
  recordDeath,
  recordRun,
  recordStartFailure,
  recordStop,
  release,
  reportStartFailure,
  restartStateSchema,
  sameRun,
  saveRestartState,
  stopAll,
  updateAgent,
  withAgentRestart,
} from './restart-tracker.js';
export type { NotifyState, Slot, SlotId } from './notify.js';
export {
  NOTIFY_STATE_LABEL,
  clearSlot,
  emptyNotifyState,
  loadNotifyState,
  notifyStateSchema,
  pruneSlots,
  record,
  saveNotifyState,
  shouldNotify,
  slotKey,
} from './notify.js';
export type { Loaded } from './persist.js';
export type { Decision } from './decide.js';
export type { Wake } from './context.js';
export { decide } from './decide.js';
export { isManaged } from './agent-policy.js';
export { canonicalIdentity } from './lifecycle-sender.js';
export { MAYOR, formatDuration, supervisorOf, witnessOf } from './messages.js';

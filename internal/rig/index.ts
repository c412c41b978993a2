/** Rigs: add/list/park/dock/remove, polecat worktrees and the merge queue (simple-git). */
export { addRig, rigAgentBeadIds, RIG_AGENT_ROLES, type AddRigOptions, type AddRigResult } from './add.js';
export { listRigs, type RigInfo } from './list.js';
export { setRigState, type RigState, type RigStateVerb, type StateChange } from './state.js';
export { removeRig, type RemoveRigResult } from './remove.js';
export { rigSessions, killRigSessions } from './sessions.js';
export { validateRigName, validatePrefix, derivePrefix, prefixCandidates, RESERVED_RIG_NAMES, RESERVED_PREFIXES } from './names.js';
export { resolveSource } from './source.js';
export { withRigsLock, rigsLockPath, writeRigs, updateRig, readRigs, requireRig } from './registry.js';
export { createPolecatWorktree, removePolecatWorktree, createRefineryWorktree, polecatBranch, checkWorktree, type PolecatWorktree, type RemovePolecatResult } from './worktree.js';
export { mainBranch, MAIN_BRANCH_KEY } from './git.js';
export { mergeBranch, type MergeOutcome, type MergeInput } from './merge.js';
export {
  submit,
  listQueue,
  processQueue,
  conflictSubject,
  failedSubject,
  MQ_LABEL,
  MQ_STATUSES,
  type SubmitInput,
  type MqEntry,
  type MqStatus,
  type ProcessResult,
  type ProcessedEntry,
} from './mq.js';

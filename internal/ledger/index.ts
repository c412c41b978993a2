/** The town ledger's public surface. Only this module opens `.beads/beads.db`. */
export { openLedger, withLedger, Ledger, type OpenLedgerOptions } from './ledger.js';
export type { CreateBeadInput, ListFilter, UpdateBeadInput } from './beads.js';
export type { AgentBead, AgentInput, HookResult } from './agents.js';
export type { MailMessage, SendMailInput, InboxOptions } from './mail.js';
export type { OutboxSlot } from './outbox.js';
export { ledgerDeleted, ledgerMissingError } from './db.js';
export type { Question, QuestionState, AskInput } from './questions.js';
export {
  BEAD_TYPES,
  BEAD_STATUSES,
  AGENT_STATES,
  PRIORITY,
  type Bead,
  type BeadType,
  type BeadStatus,
  type AgentState,
} from './schema.js';
export { parseAddress, parseMailAddress, isPerson, canonicalAddress, canonicalSender, ADDRESS_FORMS, HUMAN_SENDER, OVERSEER, type Address, type MailAddress, type PersonAddress } from './address.js';
export { identityFromEnv, agentBeadId, defaultSessionName } from './identity.js';
export { touchAgent, sessionAgent, touchAgentRecord, writeAgentHeartbeat, type SessionAgent, type TouchResult } from './touch.js';
export { heartbeatFileSchema, readHeartbeatFile, writeHeartbeatFile, type HeartbeatFile } from './heartbeat.js';
export { readRigs, requireRig } from './rigs.js';
export { SCHEMA_VERSION } from './migrations.js';

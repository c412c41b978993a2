import { isSessionName } from '../names.js';
import type { TownLayout } from '../town/layout.js';
import type { Address } from './address.js';
import { agentBeadId, defaultSessionName, identityFromEnv } from './identity.js';
import { readHeartbeatFile, writeHeartbeatFile } from './heartbeat.js';
import { openLedger, type Ledger } from './ledger.js';
import { readRigs } from './rigs.js';
import type { AgentBead } from './agents.js';

/**
 * "Every gt command run inside an agent session refreshes that agent's heartbeat file and
 * updated_at." Split in phases so a command can refresh the bead inside its own transaction
 * and write the file after the commit (no fsync while holding the write lock).
 */

type TouchLayout = Pick<TownLayout, 'beadsDir' | 'ledgerFile' | 'rigsFile' | 'heartbeatsDir' | 'heartbeatFile'>;

export interface SessionAgent {
  who: Address;
  /** Undefined for a rig agent whose rig is not (yet) in mayor/rigs.json: no bead id without a prefix. */
  agentId?: string;
  prefix?: string;
  /** GT_SESSION, when the launcher exported it. */
  sessionEnv?: string;
}

/** The calling agent from GT_ROLE & co, or undefined outside a session. */
export function sessionAgent(layout: Pick<TownLayout, 'rigsFile'>, env: NodeJS.ProcessEnv = process.env): SessionAgent | undefined {
  const who = identityFromEnv(env);
  if (!who) return undefined;
  const prefix = who.rig === undefined ? undefined : readRigs(layout).rigs[who.rig]?.prefix;
  const agentId = who.rig === undefined || prefix ? agentBeadId(who, prefix) : undefined;
  const sessionEnv = isSessionName(env.GT_SESSION) ? env.GT_SESSION : undefined;
  return { who, agentId, prefix, sessionEnv };
}

/** Phase 1 (inside a transaction if the caller has one): refresh the agent bead's updated_at. */
export function touchAgentRecord(ledger: Ledger, agent: SessionAgent): AgentBead | undefined {
  return agent.agentId ? ledger.touchAgentBead(agent.agentId) : undefined;
}

/** The agent's tmux session (its heartbeat file's name), if it can be told. */
export function agentSession(agent: SessionAgent, bead: AgentBead | undefined): string | undefined {
  return bead?.session ?? agent.sessionEnv ?? defaultSessionName(agent.who, agent.prefix);
}

/**
 * Phase 2: write `.runtime/heartbeats/<session>.json` atomically. Returns its path, if any.
 * `report` overrides the state and adds keys (e.g. `{state: 'blocked', reason: 'question'}`).
 */
export function writeAgentHeartbeat(
  layout: TouchLayout,
  agent: SessionAgent,
  bead: AgentBead | undefined,
  now = new Date(),
  report: { state?: string; reason?: string; [key: string]: unknown } = {},
): string | undefined {
  const session = agentSession(agent, bead);
  if (!session) return undefined;
  const state = report.state ?? bead?.agent_state ?? 'working';
  return writeHeartbeatFile(layout, session, {
    timestamp: now.toISOString(),
    ...(bead?.hook_bead ? { bead: bead.hook_bead } : {}),
    ...report,
    state,
    // The state's start, kept while it holds (the CLI's hook script does the same).
    since: sinceOf(layout, session, state) ?? now.toISOString(),
  });
}

/** When the agent's current state began, if its heartbeat file already reports that state. */
function sinceOf(layout: Pick<TownLayout, 'heartbeatFile'>, session: string, state: string): string | undefined {
  try {
    const prev = readHeartbeatFile(layout, session);
    return prev?.state === state ? (prev.since ?? undefined) : undefined;
  } catch {
    // A corrupt or unreadable file starts a new span; it is rewritten whole just after.
    return undefined;
  }
}

export interface TouchResult {
  agent: SessionAgent;
  bead?: AgentBead;
  heartbeatFile?: string;
}

/** Both phases; a no-op (undefined) outside an agent session. Opens the ledger unless given one. */
export function touchAgent(layout: TouchLayout, env: NodeJS.ProcessEnv = process.env, opts: { ledger?: Ledger; now?: Date } = {}): TouchResult | undefined {
  const agent = sessionAgent(layout, env);
  if (!agent) return undefined;
  let bead: AgentBead | undefined;
  if (agent.agentId) {
    const ledger = opts.ledger ?? openLedger(layout);
    try {
      bead = touchAgentRecord(ledger, agent);
    } finally {
      if (!opts.ledger) ledger.close();
    }
  }
  return { agent, bead, heartbeatFile: writeAgentHeartbeat(layout, agent, bead, opts.now) };
}

import { z } from 'zod';
import { GtError, InvalidInputError, errnoCode } from '../errors.js';
import { SESSION_NAME_RE } from '../names.js';
import { parseAddress, type Address } from './address.js';
import { agentBeadId } from './identity.js';
import { Store, notFound } from './store.js';
import { AGENT_STATES, agentFieldsSchema, parseFields, parseInput, prefixSchema, type AgentState, type Bead } from './schema.js';

/** Agent beads: one per agent identity, holding its state, its hook and its session. */

export interface AgentBead {
  id: string;
  /** Canonical identity, e.g. "myrig/polecats/toast". */
  address: string;
  role: Address['role'];
  rig: string | null;
  name: string | null;
  agent_state: AgentState;
  hook_bead: string | null;
  session: string | null;
  created_at: string;
  updated_at: string;
}

export function toAgentBead(b: Bead): AgentBead {
  const f = parseFields(b, agentFieldsSchema);
  return {
    id: b.id,
    address: b.title,
    role: f.role,
    rig: f.rig,
    name: f.name ?? null,
    agent_state: f.agent_state,
    hook_bead: f.hook_bead,
    session: f.session,
    created_at: b.created_at,
    updated_at: b.updated_at,
  };
}

const sessionSchema = z.string().regex(SESSION_NAME_RE, 'expected letters, digits, "-" or "_" (at most 100)').nullable();

export const agentInputSchema = z
  .object({
    /** Any accepted address form; stored canonical. */
    address: z.string().min(1),
    /** The rig's bead prefix; required for rig agents (it is part of their bead id). */
    prefix: prefixSchema.optional(),
    agent_state: z.enum(AGENT_STATES).optional(),
    session: sessionSchema.optional(),
  })
  .strict();
export type AgentInput = z.input<typeof agentInputSchema>;

interface ResolvedAgent {
  id: string;
  who: Address;
  agent_state?: AgentState;
  session?: string | null;
}

function resolveAgent(input: AgentInput): ResolvedAgent {
  const v = parseInput(agentInputSchema, input, 'agent');
  const who = parseAddress(v.address);
  return { id: agentBeadId(who, v.prefix), who, agent_state: v.agent_state, session: v.session };
}

function hookConflict(beadId: string, store: Store): GtError {
  const holder = store.db
    .prepare(`SELECT title FROM beads WHERE type = 'agent' AND json_extract(fields, '$.hook_bead') = ?`)
    .pluck()
    .get(beadId) as string | undefined;
  return new GtError('CONFLICT', `${beadId} is already on the hook of ${holder ?? 'another agent'}`);
}

/** Write an agent bead row; a second holder of the same hook is refused by a unique index. */
function saveAgent(store: Store, b: Bead, insert: boolean): void {
  try {
    if (insert) store.tryInsert(b);
    else store.save(b);
  } catch (e) {
    if (errnoCode(e) === 'SQLITE_CONSTRAINT_UNIQUE' && typeof b.fields.hook_bead === 'string') {
      throw hookConflict(b.fields.hook_bead, store);
    }
    throw e;
  }
}

/** Create-or-update inside the caller's transaction. */
function upsertIn(store: Store, a: ResolvedAgent, hook?: string | null): AgentBead {
  const now = store.now();
  const existing = store.getRow(a.id);
  if (existing && existing.type !== 'agent') throw new GtError('CONFLICT', `${a.id} exists but is a ${existing.type} bead, not an agent bead`);
  const base = existing ? toAgentBead(existing) : undefined;
  const fields = {
    ...(existing?.fields ?? {}),
    agent_state: a.agent_state ?? base?.agent_state ?? 'idle',
    hook_bead: hook !== undefined ? hook : (base?.hook_bead ?? null),
    role: a.who.role,
    rig: a.who.rig ?? null,
    name: a.who.name ?? null,
    session: a.session !== undefined ? a.session : (base?.session ?? null),
  };
  const bead: Bead = existing
    ? { ...existing, fields, updated_at: now }
    : {
        id: a.id,
        type: 'agent',
        title: a.who.address,
        description: '',
        status: 'open',
        priority: 2,
        assignee: null,
        labels: [],
        fields,
        created_at: now,
        updated_at: now,
        closed_at: null,
      };
  saveAgent(store, bead, !existing);
  return toAgentBead(bead);
}

export function upsertAgentBead(store: Store, input: AgentInput): AgentBead {
  const a = resolveAgent(input);
  return store.write(() => upsertIn(store, a));
}

export function getAgentBead(store: Store, id: string): AgentBead | undefined {
  return store.read(() => {
    const b = store.getRow(id);
    if (!b) return undefined;
    if (b.type !== 'agent') throw new InvalidInputError(`${id} is a ${b.type} bead, not an agent bead`);
    return toAgentBead(b);
  });
}

export function listAgentBeads(store: Store, filter: { rig?: string; state?: AgentState } = {}): AgentBead[] {
  return store.read(() =>
    store
      .all(`SELECT * FROM beads WHERE type = 'agent' ORDER BY id`, [])
      .map(toAgentBead)
      .filter((a) => (filter.rig === undefined || a.rig === filter.rig) && (filter.state === undefined || a.agent_state === filter.state)),
  );
}

function mustGetAgent(store: Store, id: string): Bead {
  const b = store.getRow(id);
  if (!b || b.type !== 'agent') throw notFound(id, 'agent bead');
  return b;
}

export function setAgentState(store: Store, id: string, state: AgentState): AgentBead {
  parseInput(z.enum(AGENT_STATES), state, 'agent_state');
  return store.write(() => {
    const b = mustGetAgent(store, id);
    const next: Bead = { ...b, fields: { ...b.fields, agent_state: state }, updated_at: store.now() };
    store.save(next);
    return toAgentBead(next);
  });
}

/** Refresh an agent bead's `updated_at` (progress). Returns undefined when the agent has no bead. */
export function touchAgentBead(store: Store, id: string): AgentBead | undefined {
  return store.write(() => {
    const b = store.getRow(id);
    if (!b || b.type !== 'agent') return undefined;
    const next: Bead = { ...b, updated_at: store.now() };
    store.save(next);
    return toAgentBead(next);
  });
}

function hookableWork(store: Store, beadId: string): Bead {
  const w = store.getRow(beadId);
  if (!w) throw notFound(beadId);
  if (w.type !== 'task') throw new InvalidInputError(`${beadId} is a ${w.type} bead; only work (task) beads go on a hook`);
  return w;
}

/** Put the work bead on the agent's hook: status hooked, assignee = the agent's address. */
function hookIn(store: Store, agent: AgentBead, w: Bead): Bead {
  const now = store.now();
  const next: Bead = { ...w, status: 'hooked', assignee: agent.address, closed_at: null, updated_at: now };
  store.save(next);
  return next;
}

/**
 * Set (or with null, clear) an agent's hook without looking at the work bead's status.
 * Still refused with CONFLICT when another agent holds that bead: one bead, one hook.
 */
export function setHook(store: Store, agentId: string, beadId: string | null): AgentBead {
  return store.write(() => {
    const b = mustGetAgent(store, agentId);
    const w = beadId === null ? undefined : hookableWork(store, beadId);
    const next: Bead = { ...b, fields: { ...b.fields, hook_bead: beadId }, updated_at: store.now() };
    saveAgent(store, next, false);
    const agent = toAgentBead(next);
    if (w) hookIn(store, agent, w);
    return agent;
  });
}

export type HookResult =
  | { won: true; agent: AgentBead; bead: Bead }
  | { won: false; holder: string | null; status: Bead['status'] };

/**
 * Compare-and-set: hook `beadId` for the agent only if nobody has it (the bead is `open` and on
 * no agent's hook). The agent bead is created or updated in the same transaction (default state
 * `spawning`), so losers leave nothing behind. Many concurrent callers: exactly one wins.
 */
export function trySetHook(store: Store, input: AgentInput, beadId: string): HookResult {
  const a = resolveAgent({ agent_state: 'spawning', ...input });
  return store.write(() => {
    const w = hookableWork(store, beadId);
    const holder = store.db
      .prepare(`SELECT title FROM beads WHERE type = 'agent' AND json_extract(fields, '$.hook_bead') = ?`)
      .pluck()
      .get(beadId) as string | undefined;
    if (w.status !== 'open' || holder !== undefined) return { won: false, holder: holder ?? w.assignee, status: w.status };
    const agent = upsertIn(store, a, beadId);
    return { won: true, agent, bead: hookIn(store, agent, w) };
  });
}

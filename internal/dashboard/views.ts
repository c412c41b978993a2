import { existsSync } from 'node:fs';
import { readJsonFile } from '../config/load.js';
import { townFileSchema } from '../config/town-files.js';
import { readEstop, type EstopRecord } from '../daemon/estop.js';
import { GtError, messageOf } from '../errors.js';
import { withLedger } from '../ledger/index.js';
import { listRigs, type RigInfo } from '../rig/list.js';
import { listQueue, type MqEntry } from '../rig/mq.js';
import { readQueueView } from '../daemon/queue-view.js';
import { listAgents, type AgentRow } from '../daemon/agents-view.js';
import { townLayout } from '../town/layout.js';

/**
 * What the page shows, read through the same functions as the CLI's read commands: the agents
 * table is `gt agents --json`, the rigs `gt rig list --json`, the merge queue `gt mq list --json`,
 * the emergency stop `gt estop --status --json`. Each section is read on its own, so one broken
 * file blanks one section (with the reason) and not the page.
 */
export interface TownSnapshot {
  town: { name: string; root: string };
  generated_at: string;
  daemon: DaemonStatus;
  estop: EstopRecord | null;
  agents: AgentRow[];
  rigs: RigInfo[];
  merge_queue: MqEntry[];
  /** Open questions and agents that need a person: shown first on the page, only when not empty. */
  attention: AttentionItem[];
  /** Beads waiting for a polecat slot, then polecats at work: shown only when not empty. */
  dispatch: DispatchView;
  /** Sections that could not be read this time, with the reason (one line each). */
  errors: Array<{ section: string; message: string }>;
}

/** Whether the dashboard follows a daemon right now (from its control-socket subscription). */
export interface DaemonStatus {
  running: boolean;
  pid: number | null;
  reason?: string;
}

/**
 * One thing a person must look at:
 * - `question`: an agent asked and waits (`gt ask`; answered with the `answer` action). `agent` is
 *   the asker's row in the agents table when its session is known; `expires_at` is when the asker
 *   stops waiting.
 * - `needs_human`: an agent is blocked on something only a person can settle (issue 9).
 */
export type AttentionItem = QuestionItem | { kind: 'needs_human'; agent: string; reason: string; since: string | null };

export interface QuestionItem {
  kind: 'question';
  id: string;
  from: string;
  text: string;
  options?: string[];
  asked_at: string;
  expires_at: string;
  session?: string;
  agent?: string;
}

/** Queued beads (issue 11's dispatch queue, in dispatch order) and the polecats working now. */
export interface DispatchView {
  queued: Array<{ id: string; rig: string; title: string; priority?: number; queued_at: string }>;
  working: Array<{ identity: string; rig: string | null; hook: string; state: string | null; liveness: string }>;
}

/** Merged entries kept on the page (the merge history grows forever; the queue itself does not). */
const RECENT_MERGED = 10;

/**
 * NEEDS_HUMAN items from the agents read view: agents whose activity (internal/agent/state.ts:
 * the CLI's own hooks, a recognised blocking screen) is `blocked`, with its reason and since when.
 */
export function needsHuman(agents: readonly AgentRow[]): AttentionItem[] {
  const out: AttentionItem[] = [];
  for (const a of agents) {
    if (a.activity?.state !== 'blocked') continue;
    out.push({ kind: 'needs_human', agent: a.identity, reason: a.activity.reason ?? 'blocked', since: a.activity.since ?? a.activity.last_seen ?? a.updated_at });
  }
  return out;
}

/** Open questions to the person, oldest first: the ledger read behind `gt questions --json`. */
export function openQuestions(town: string): QuestionItem[] {
  const layout = townLayout(town);
  if (!existsSync(layout.ledgerFile)) return [];
  return withLedger(layout, (l) => l.openQuestions()).map((q) => ({
    kind: 'question',
    id: q.id,
    from: q.from,
    text: q.text,
    ...(q.options ? { options: q.options } : {}),
    asked_at: q.created_at,
    expires_at: q.expires_at,
    ...(q.session ? { session: q.session } : {}),
  }));
}

/**
 * The Attention section: open questions first (named by the asking agent's row when its session
 * is known), then blocked agents. An agent blocked on a question it is asking is listed once, as
 * its question (which the person can answer), not a second time as "needs a person: question".
 */
export function attentionItems(questions: readonly QuestionItem[], agents: readonly AgentRow[]): AttentionItem[] {
  const bySession = new Map(agents.map((a) => [a.session, a.identity]));
  const qs = questions.map((q) => {
    const agent = q.session ? bySession.get(q.session) : undefined;
    return agent ? { ...q, agent } : q;
  });
  const asking = new Set(qs.map((q) => q.agent));
  const blocked = needsHuman(agents).filter((n) => !(n.kind === 'needs_human' && n.reason === 'question' && asking.has(n.agent)));
  return [...qs, ...blocked];
}

/** When the snapshot changes by the clock alone: the first open question's deadline (its asker stops waiting). */
export function nextLapse(s: Pick<TownSnapshot, 'attention'>): number | undefined {
  let first: number | undefined;
  for (const it of s.attention) {
    if (it.kind !== 'question') continue;
    const t = Date.parse(it.expires_at);
    if (Number.isFinite(t) && (first === undefined || t < first)) first = t;
  }
  return first;
}

/**
 * The read behind `gt sling --list --json` (daemon/queue-view.ts): queued beads in dispatch order.
 * Polecats at work come from the agents read view already.
 */
export function queuedBeads(town: string): DispatchView['queued'] {
  return readQueueView(town).queued.map((b) => ({ id: b.id, rig: b.rig, title: b.title, priority: b.priority, queued_at: b.queued_at }));
}

export function polecatsAtWork(agents: readonly AgentRow[]): DispatchView['working'] {
  return agents
    .filter((a) => a.role === 'polecat' && a.hook)
    .map((a) => ({ identity: a.identity, rig: a.rig, hook: a.hook!, state: a.state, liveness: a.liveness }));
}

/** The merge queue as the page lists it: everything not merged, then the latest merges. */
export function mergeQueueView(entries: readonly MqEntry[]): MqEntry[] {
  const open = entries.filter((e) => e.status !== 'merged');
  const merged = entries.filter((e) => e.status === 'merged').slice(-RECENT_MERGED);
  return [...open, ...merged];
}

function townName(town: string): string {
  try {
    return readJsonFile(townLayout(town).townFile, townFileSchema, { kind: 'state', label: 'mayor/town.json' }).name;
  } catch {
    return town.split('/').filter(Boolean).at(-1) ?? town;
  }
}

/** Read every section of the page. */
export async function readSnapshot(town: string, daemon: DaemonStatus): Promise<TownSnapshot> {
  const layout = townLayout(town);
  const errors: TownSnapshot['errors'] = [];
  async function section<T>(name: string, read: () => T | Promise<T>, fallback: T): Promise<T> {
    try {
      return await read();
    } catch (e) {
      errors.push({ section: name, message: e instanceof GtError ? e.line : messageOf(e) });
      return fallback;
    }
  }
  const [agents, rigs, mq, estop, questions, queued] = await Promise.all([
    section('agents', () => listAgents(town), [] as AgentRow[]),
    section('rigs', () => listRigs(layout), [] as RigInfo[]),
    section('merge_queue', () => mergeQueueView(listQueue(layout)), [] as MqEntry[]),
    section('estop', () => readEstop(layout), null),
    section('attention', () => openQuestions(town), [] as QuestionItem[]),
    section('dispatch', () => queuedBeads(town), [] as DispatchView['queued']),
  ]);
  return {
    town: { name: townName(town), root: town },
    generated_at: new Date().toISOString(),
    daemon,
    estop,
    agents,
    rigs,
    merge_queue: mq,
    attention: attentionItems(questions, agents),
    dispatch: { queued, working: polecatsAtWork(agents) },
    errors,
  };
}

import { GtError, InvalidInputError, UsageError, isGtError } from '../../errors.js';
import { townLayout, type TownLayout } from '../../town/layout.js';
import { openLedger, type Ledger } from '../../ledger/ledger.js';
import { sessionAgent, touchAgentRecord, writeAgentHeartbeat, type SessionAgent } from '../../ledger/touch.js';
import { readRigs, requireRig } from '../../ledger/rigs.js';
import { canonicalAddress } from '../../ledger/address.js';
import { PREFIX_HINT, PREFIX_RE } from '../../names.js';
import { PRIORITY, type Bead } from '../../ledger/schema.js';
import type { AgentBead } from '../../ledger/agents.js';
import type { CommandContext } from '../spec.js';
import { oneLine, safeBlock } from '../../safe-text.js';

/** Shared by the `gt bead` and `gt mail` commands: open the ledger once, refresh the caller's heartbeat. */

export interface LedgerRun {
  ledger: Ledger;
  layout: TownLayout;
}

/**
 * The calling agent for the heartbeat refresh. Deliberately forgiving: a malformed GT_ROLE or an
 * unreadable rigs.json must not stop an agent from reading its mail; commands that need the
 * identity itself (the mail sender) resolve it strictly on their own.
 */
function callerForTouch(layout: TownLayout): SessionAgent | undefined {
  try {
    return sessionAgent(layout);
  } catch (e) {
    if (isGtError(e)) return undefined;
    throw e;
  }
}

/**
 * Run a command body against the town's ledger. Inside an agent session the body and the
 * refresh of the agent bead's updated_at are one write transaction; the heartbeat file is
 * written after the commit. Outside a session each ledger call is its own transaction.
 */
export function runWithLedger<T>(ctx: CommandContext, body: (r: LedgerRun) => T): T {
  const layout = townLayout(ctx.town());
  const me = callerForTouch(layout);
  const ledger = openLedger(layout);
  try {
    if (!me?.agentId) {
      const result = body({ ledger, layout });
      if (me) heartbeat(ctx, layout, me, undefined);
      return result;
    }
    let agent: AgentBead | undefined;
    const result = ledger.write(() => {
      const r = body({ ledger, layout });
      agent = touchAgentRecord(ledger, me);
      return r;
    });
    heartbeat(ctx, layout, me, agent);
    return result;
  } finally {
    ledger.close();
  }
}

function heartbeat(ctx: CommandContext, layout: TownLayout, me: SessionAgent, agent: AgentBead | undefined): void {
  try {
    writeAgentHeartbeat(layout, me, agent);
  } catch (e) {
    // The command itself succeeded; a heartbeat that could not be written is worth a warning, not a failure.
    ctx.err(`gt: warning: could not write the heartbeat file: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** --rig R (registered in mayor/rigs.json) or --prefix P (before rigs exist) -> bead prefix. */
export function resolvePrefix(layout: TownLayout, rig: string | undefined, prefix: string | undefined): { prefix: string; rig?: string } {
  if (rig !== undefined && prefix !== undefined) throw new UsageError('give --rig or --prefix, not both');
  if (rig !== undefined) return { prefix: requireRig(readRigs(layout), rig).prefix, rig };
  if (prefix !== undefined) {
    if (!PREFIX_RE.test(prefix)) throw new InvalidInputError(`invalid prefix ${JSON.stringify(prefix)}`, PREFIX_HINT);
    return { prefix };
  }
  throw new UsageError('which rig? give --rig R (or --prefix P)');
}

export function parsePriority(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!(n >= PRIORITY.min && n <= PRIORITY.max)) {
    throw new InvalidInputError(`invalid priority ${JSON.stringify(text)}`, `use a number from ${PRIORITY.min} (highest) to ${PRIORITY.max}`);
  }
  return n;
}

/** An assignee as typed: an agent address is stored canonical, anything else as given. */
export function normaliseAssignee(text: string): string {
  try {
    return canonicalAddress(text);
  } catch (e) {
    if (e instanceof GtError) return text.trim();
    throw e;
  }
}

export function str(ctx: CommandContext, name: string): string | undefined {
  const v = ctx.args.values[name];
  return typeof v === 'string' ? v : undefined;
}

/** "2024-05-01 12:34" in local time: short enough for a table. */
export function shortTime(iso: string): string {
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

export function beadDetailLines(b: Bead): string[] {
  const rows: string[][] = [
    ['type', b.type],
    ['status', b.status],
    ['priority', String(b.priority)],
    ['assignee', b.assignee ?? '-'],
    ['labels', b.labels.length ? b.labels.join(', ') : '-'],
    ['created', b.created_at],
    ['updated', b.updated_at],
  ];
  if (b.closed_at) rows.push(['closed', b.closed_at]);
  for (const [k, v] of Object.entries(b.fields)) rows.push([k, typeof v === 'string' ? v : JSON.stringify(v)]);
  const w = Math.max(...rows.map((r) => oneLine(r[0]!).length));
  const lines = [`${b.id}  ${oneLine(b.title)}`, ...rows.map(([k, v]) => `  ${oneLine(k!).padEnd(w)}  ${oneLine(v!)}`)];
  if (b.description) lines.push('', ...safeBlock(b.description).split('\n').map((l) => `  ${l}`));
  return lines;
}

import { existsSync } from 'node:fs';
import { GtError, LedgerUnavailableError, messageOf } from '../../errors.js';
import { ledgerDeleted, ledgerMissingError, withLedger, type AgentBead, type Ledger, type MailMessage, type OutboxSlot } from '../../ledger/index.js';
import type { TownLayout } from '../../town/layout.js';
import type { LedgerStatus } from '../policy/ledger-degraded.js';

/**
 * The daemon's view of the town ledger across ticks (the I/O half of degraded mode; the rules are
 * policy/ledger-degraded.ts). Each tick reads the ledger once; when that read, or a write act
 * makes, fails because the ledger as a whole is unusable (corrupt, deleted, disk full), the
 * engine goes on from the last good read until a read succeeds again (and, after a failed write,
 * until the next write succeeds: the recovery alert itself is that write).
 */

/** What observe needs from the ledger in one read. */
export interface LedgerRead {
  agents: AgentBead[];
  /** hook bead id -> open (not closed) */
  hooks: Map<string, boolean>;
  lifecycle: MailMessage[];
  /** Agents (mail senders) with an open question to the person -> when they asked the first. */
  askers: Map<string, string>;
  /** The mail dedup slots in the outbox (ledger/outbox.ts). */
  outbox: OutboxSlot[];
}

/** Shown by state.json, `gt daemon status` and `gt status` while degraded. */
export interface DegradedInfo {
  problem: LedgerUnavailableError['problem'];
  message: string;
  /** When this daemon first saw the ledger unusable (ISO). */
  since: string;
  /** When the observation it supervises from was read (ISO), or null. */
  last_good: string | null;
}

const EMPTY: LedgerRead = { agents: [], hooks: new Map(), lifecycle: [], askers: new Map(), outbox: [] };

export class LedgerHealth {
  private lastGood: { read: LedgerRead; at: number } | undefined;
  private failure: { error: LedgerUnavailableError; since: number } | undefined;
  /** A write failed for a whole-ledger reason: a successful read alone does not end the episode. */
  private writeFailed = false;

  constructor(private readonly layout: TownLayout) {}

  /** Read what observe needs; on a whole-ledger failure, the last good read and degraded status. */
  read(now: number): { read: LedgerRead; fresh: boolean } {
    const { layout } = this;
    // Never created (a new town): nothing to supervise from it, and nothing is wrong. A ledger this
    // daemon has read before is missing now, marker or not (the whole .beads/ may be gone).
    if (!existsSync(layout.ledgerFile) && !ledgerDeleted(layout.beadsDir, layout.ledgerFile) && !this.lastGood) return { read: EMPTY, fresh: true };
    try {
      if (!existsSync(layout.ledgerFile)) throw ledgerMissingError(layout.ledgerFile);
      const read = withLedger(layout, (l) => {
        // Degraded by a failed write (a full disk): readable is not enough, it must take a write.
        if (this.writeFailed) l.probeWrite();
        return readAll(l);
      });
      this.lastGood = { read, at: now };
      this.writeFailed = false;
      this.failure = undefined;
      return { read, fresh: true };
    } catch (e) {
      // Any ledger error (locked past every retry, a schema newer than this gt) stops the read as
      // a whole: supervision goes on from the last good read rather than not at all.
      if (!(e instanceof GtError)) throw e;
      this.fail(e instanceof LedgerUnavailableError ? e : new LedgerUnavailableError('unusable', e.message, { ...(e.hint ? { hint: e.hint } : {}), cause: e }), now);
      return { read: this.lastGood ? { ...this.lastGood.read, lifecycle: [] } : EMPTY, fresh: false };
    }
  }

  /** A write (mail, a start's bead) failed: true when the ledger as a whole is unusable (degraded from now). */
  failedWrite(e: unknown, now: number): boolean {
    if (!(e instanceof LedgerUnavailableError)) return false;
    this.writeFailed = true;
    this.fail(e, now);
    return true;
  }

  /** A write succeeded: the ledger takes writes again. */
  wrote(): void {
    this.writeFailed = false;
    this.failure = undefined;
  }

  get status(): LedgerStatus {
    if (!this.failure) return { ok: true };
    return { ok: false, problem: this.failure.error.problem, message: this.failure.error.line, lastGoodAt: this.lastGood?.at ?? null };
  }

  get degraded(): DegradedInfo | null {
    if (!this.failure) return null;
    return {
      problem: this.failure.error.problem,
      message: this.failure.error.line,
      since: new Date(this.failure.since).toISOString(),
      last_good: this.lastGood ? new Date(this.lastGood.at).toISOString() : null,
    };
  }

  private fail(error: LedgerUnavailableError, now: number): void {
    this.failure = { error, since: this.failure?.since ?? now };
  }
}

function readAll(l: Ledger): LedgerRead {
  const agents = l.listAgentBeads();
  const hooks = new Map<string, boolean>();
  for (const a of agents) if (a.hook_bead) hooks.set(a.hook_bead, (l.getBead(a.hook_bead)?.status ?? 'closed') !== 'closed');
  const lifecycle = l.inbox('deacon/').filter((m) => m.subject.startsWith('LIFECYCLE:'));
  // Oldest first: an agent's first open question is when it began to wait.
  const askers = new Map<string, string>();
  for (const q of l.openQuestions()) if (!askers.has(q.from)) askers.set(q.from, q.created_at);
  return { agents, hooks, lifecycle, askers, outbox: l.outboxSlots() };
}

/** For log lines: what went wrong with a ledger call, in one line. */
export function ledgerLine(e: unknown): string {
  return e instanceof LedgerUnavailableError ? e.line : messageOf(e);
}

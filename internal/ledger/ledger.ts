import type { TownLayout } from '../town/layout.js';
import { openDb, type OpenDbOptions } from './db.js';
import { Store } from './store.js';
import { closeBead, createBead, getBead, listBeads, updateBead, type CreateBeadInput, type ListFilter, type UpdateBeadInput } from './beads.js';
import {
  getAgentBead,
  listAgentBeads,
  setAgentState,
  setHook,
  touchAgentBead,
  trySetHook,
  upsertAgentBead,
  type AgentBead,
  type AgentInput,
  type HookResult,
} from './agents.js';
import { claimMail, unreadCounts, deleteMail, getMail, inbox, readMail, sendMail, type InboxOptions, type MailMessage, type SendMailInput } from './mail.js';
import type { AgentState, Bead } from './schema.js';
import { outboxSlots, probeWrite, retainOutboxSlots, sendNotification, type OutboxSlot } from './outbox.js';
import { answerQuestion, askQuestion, expireQuestion, getQuestion, markQuestionsNotified, openQuestions, type AskInput, type Question } from './questions.js';

export interface OpenLedgerOptions extends OpenDbOptions {
  /** Injected clock for tests; defaults to the wall clock. */
  now?: () => Date;
}

/**
 * The town ledger. The only way gt touches `.beads/beads.db`. Every method is one transaction;
 * `write(fn)` groups several calls into one (the calls inside join it).
 */
export class Ledger {
  constructor(private readonly store: Store) {}

  /** Run several operations as one write transaction (BEGIN IMMEDIATE). */
  write<T>(fn: () => T): T {
    return this.store.write(fn);
  }

  createBead(input: CreateBeadInput): Bead {
    return createBead(this.store, input);
  }
  getBead(id: string): Bead | undefined {
    return getBead(this.store, id);
  }
  listBeads(filter?: ListFilter): Bead[] {
    return listBeads(this.store, filter);
  }
  updateBead(id: string, patch: UpdateBeadInput): Bead {
    return updateBead(this.store, id, patch);
  }
  closeBead(id: string, reason?: string): Bead {
    return closeBead(this.store, id, reason);
  }

  upsertAgentBead(input: AgentInput): AgentBead {
    return upsertAgentBead(this.store, input);
  }
  getAgentBead(id: string): AgentBead | undefined {
    return getAgentBead(this.store, id);
  }
  listAgentBeads(filter?: { rig?: string; state?: AgentState }): AgentBead[] {
    return listAgentBeads(this.store, filter);
  }
  setAgentState(id: string, state: AgentState): AgentBead {
    return setAgentState(this.store, id, state);
  }
  touchAgentBead(id: string): AgentBead | undefined {
    return touchAgentBead(this.store, id);
  }
  setHook(agentId: string, beadId: string | null): AgentBead {
    return setHook(this.store, agentId, beadId);
  }
  trySetHook(agent: AgentInput, beadId: string): HookResult {
    return trySetHook(this.store, agent, beadId);
  }

  sendMail(input: SendMailInput): MailMessage {
    return sendMail(this.store, input);
  }
  inbox(address: string, opts?: InboxOptions): MailMessage[] {
    return inbox(this.store, address, opts);
  }
  getMail(id: string): MailMessage {
    return getMail(this.store, id);
  }
  readMail(id: string): MailMessage {
    return readMail(this.store, id);
  }
  deleteMail(id: string): void {
    deleteMail(this.store, id);
  }
  claimMail(id: string): boolean {
    return claimMail(this.store, id);
  }
  unreadCounts(): Record<string, number> {
    return unreadCounts(this.store);
  }

  /** A mail and its dedup slot in one transaction (ledger/outbox.ts). */
  sendNotification(mail: SendMailInput, slot: Omit<OutboxSlot, 'mail_id'>): MailMessage {
    return sendNotification(this.store, mail, slot);
  }
  outboxSlots(): OutboxSlot[] {
    return outboxSlots(this.store);
  }
  retainOutboxSlots(keep: ReadonlySet<string>): number {
    return retainOutboxSlots(this.store, keep);
  }
  /** Throws (LedgerUnavailableError 'full', ...) unless the ledger takes a write now. */
  probeWrite(): void {
    probeWrite(this.store);
  }

  askQuestion(input: AskInput): Question {
    return askQuestion(this.store, input);
  }
  getQuestion(id: string): Question {
    return getQuestion(this.store, id);
  }
  openQuestions(): Question[] {
    return openQuestions(this.store);
  }
  answerQuestion(id: string, answer: string, by: string): Question {
    return answerQuestion(this.store, id, answer, by);
  }
  expireQuestion(id: string): Question {
    return expireQuestion(this.store, id);
  }
  markQuestionsNotified(ids: readonly string[]): void {
    markQuestionsNotified(this.store, ids);
  }

  close(): void {
    if (this.store.db.open) this.store.db.close();
  }
}

/** Open (creating on first use) the ledger of a town. */
export function openLedger(layout: Pick<TownLayout, 'beadsDir' | 'ledgerFile'>, options: OpenLedgerOptions = {}): Ledger {
  const db = openDb(layout.beadsDir, layout.ledgerFile, options);
  return new Ledger(new Store(db, layout.ledgerFile, options.now ?? (() => new Date()), options.busyRetries ?? 8));
}

/** Open, run, close: for a command that needs the ledger for one step. */
export function withLedger<T>(layout: Pick<TownLayout, 'beadsDir' | 'ledgerFile'>, fn: (l: Ledger) => T, options?: OpenLedgerOptions): T {
  const l = openLedger(layout, options);
  try {
    return fn(l);
  } finally {
    l.close();
  }
}

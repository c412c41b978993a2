import { z } from 'zod';
import { loadStateFile, saveStateFile, type Loaded } from './persist.js';

/**
 * Notification dedup. One slot per (recipient, kind, agent) remembers the condition it last
 * notified about: a condition that persists produces one notification, a changed condition (or a
 * slot older than max age) produces the next, and clearing the slot when the condition ends lets
 * the next episode notify again. Persisted in daemon/notify_state.json so a daemon restart does
 * not re-send every open alert.
 */

export interface SlotId {
  /** A mail address, `log` for log lines, or an agent identity for nudges. */
  recipient: string;
  kind: string;
  /** The agent the condition is about; '' for town-wide conditions (gates). */
  agent: string;
}

export interface Slot extends SlotId {
  condition: string;
  /** When the notification was sent. */
  at: number;
}

export interface NotifyState {
  version: 1;
  slots: Record<string, Slot>;
}

export const slotSchema = z
  .object({
    recipient: z.string(),
    kind: z.string().min(1),
    agent: z.string(),
    condition: z.string(),
    at: z.number().finite().nonnegative(),
  })
  .strict();

export const notifyStateSchema = z
  .object({
    version: z.literal(1),
    slots: z.record(z.string().min(1), slotSchema),
  })
  .strict();

export const NOTIFY_STATE_LABEL = 'daemon/notify_state.json';

export function emptyNotifyState(): NotifyState {
  return { version: 1, slots: {} };
}

export function slotKey(id: SlotId): string {
  return `${id.recipient}|${id.kind}|${id.agent}`;
}

function getSlot(state: NotifyState, key: string): Slot | undefined {
  return Object.prototype.hasOwnProperty.call(state.slots, key) ? state.slots[key] : undefined;
}

/** A slot older than maxAge no longer suppresses anything (use Infinity for "once per episode"). */
export function isExpired(slot: Slot, now: number, maxAge: number): boolean {
  return now - slot.at >= maxAge;
}

export function shouldNotify(state: NotifyState, key: string, condition: string, now: number, maxAge: number): boolean {
  const slot = getSlot(state, key);
  return !slot || slot.condition !== condition || isExpired(slot, now, maxAge);
}

export function record(state: NotifyState, id: SlotId, condition: string, now: number): NotifyState {
  return { version: 1, slots: { ...state.slots, [slotKey(id)]: { ...id, condition, at: now } } };
}

export function clearSlot(state: NotifyState, key: string): NotifyState {
  if (!getSlot(state, key)) return state;
  const slots = { ...state.slots };
  delete slots[key];
  return { version: 1, slots };
}

/**
 * Drop expired slots that `keep` does not protect. Safe because an expired slot suppresses nothing
 * (shouldNotify ignores it); this only stops the file growing with agents that went away.
 */
export function pruneSlots(state: NotifyState, now: number, maxAge: number, keep: (slot: Slot) => boolean = () => false): NotifyState {
  let out = state;
  for (const [key, slot] of Object.entries(state.slots)) if (!keep(slot) && isExpired(slot, now, maxAge)) out = clearSlot(out, key);
  return out;
}

export function loadNotifyState(path: string): Loaded<NotifyState> {
  return loadStateFile(path, notifyStateSchema, NOTIFY_STATE_LABEL, emptyNotifyState);
}

export function saveNotifyState(path: string, state: NotifyState): void {
  saveStateFile(path, notifyStateSchema, state);
}

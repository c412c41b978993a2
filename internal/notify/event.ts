/**
 * What the person is told about. `kind` is open: anything may be notified, the known kinds below
 * are the ones gt sends today or will (NEEDS_HUMAN from the blocked-agent policy, QUEUE_DRAINED from
 * the dispatch queue). `key` names the episode within its kind (an agent identity, a question id):
 * one notification per (kind, key) until the episode is resolved.
 */
export interface NotifyEvent {
  kind: string;
  key: string;
  title: string;
  message: string;
  severity?: 'info' | 'warning' | 'critical';
  /** The agent it is about, if any. */
  agent?: string;
  /** Extra structured detail for scripts (passed through as JSON). */
  data?: Record<string, unknown>;
}

export const NOTIFY_KINDS = {
  /** An agent waits for a person (login, permission prompt, dialog): one per blocked episode. */
  needsHuman: 'NEEDS_HUMAN',
  /** An agent kept dying: restarts stopped. */
  crashLoop: 'CRASH_LOOP',
  /** Restarts brought an agent no progress (restart.max_without_progress): restarts stopped. */
  noProgress: 'NO_PROGRESS',
  /** An agent reached its account's usage limit: left alone until the reset, then nudged once. */
  usageLimit: 'USAGE_LIMIT',
  /** An agent asked the person a question (gt ask). */
  question: 'QUESTION',
  /** The dispatch queue ran empty and no polecat has work left. */
  queueDrained: 'QUEUE_DRAINED',
} as const;

/** The event as sent: with the town and the time it was raised. */
export interface NotifyPayload extends NotifyEvent {
  town: string;
  time: string;
  severity: NonNullable<NotifyEvent['severity']>;
}

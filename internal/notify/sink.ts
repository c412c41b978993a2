import type { NotifyPayload } from './event.js';

/** One way of reaching the person (a command, a webhook). `send` rejects on failure; `signal` ends it. */
export interface Sink {
  /** For logs and metrics: "command", "webhook". */
  readonly name: string;
  send(payload: NotifyPayload, signal: AbortSignal): Promise<void>;
}

/** The one-line text a chat message or a desktop notification shows. */
export function summaryLine(p: NotifyPayload): string {
  return `gt ${p.kind}: ${p.title}`;
}

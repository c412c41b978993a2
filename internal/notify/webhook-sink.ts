import type { NotifyPayload } from './event.js';
import { summaryLine, type Sink } from './sink.js';

/**
 * POST the event as JSON. `json` (default): the event with a `text` line, which Slack-style
 * incoming webhooks and most chat bridges (Telegram, Discord, Mattermost relays) show as the
 * message. `ntfy`: ntfy's JSON publish form ({topic, title, message, priority, tags}) to the
 * server's base URL. A 2xx answer is delivered; anything else (or no answer in time) fails.
 */
export interface WebhookOptions {
  url: string;
  format: 'json' | 'ntfy';
  topic?: string;
  headers: Record<string, string>;
}

const NTFY_PRIORITY = { info: 3, warning: 4, critical: 5 } as const;

export function webhookBody(p: NotifyPayload, o: Pick<WebhookOptions, 'format' | 'topic'>): unknown {
  if (o.format === 'ntfy') {
    return { topic: o.topic, title: `gt ${p.kind}: ${p.title}`, message: p.message, priority: NTFY_PRIORITY[p.severity], tags: [p.kind.toLowerCase()] };
  }
  return { text: `${summaryLine(p)}\n${p.message}`, ...p };
}

export class WebhookSink implements Sink {
  readonly name = 'webhook';

  constructor(private readonly o: WebhookOptions) {}

  async send(p: NotifyPayload, signal: AbortSignal): Promise<void> {
    let res: Response;
    try {
      res = await fetch(this.o.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'gt-notify', ...this.o.headers },
        body: JSON.stringify(webhookBody(p, this.o)),
        signal,
        redirect: 'error',
      });
    } catch (e) {
      throw new Error(signal.aborted ? 'no answer in time' : `${(e as Error).message}${(e as Error & { cause?: Error }).cause ? ` (${(e as Error & { cause: Error }).cause.message})` : ''}`);
    }
    // The body is not needed, but must be consumed or cancelled so the connection is freed.
    await res.body?.cancel().catch(() => undefined);
    if (!res.ok) throw new Error(`HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`);
  }
}

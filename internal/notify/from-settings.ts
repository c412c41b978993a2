import type { NotifySettings } from '../config/settings.js';
import { CommandSink } from './command-sink.js';
import { Notifier, type NotifierOptions } from './notifier.js';
import type { Sink } from './sink.js';
import { WebhookSink } from './webhook-sink.js';

/** The notifier settings/config.json `notify` describes (no sink configured: it accepts and sends nothing). */
export function notifierFromSettings(
  s: NotifySettings,
  env: Pick<NotifierOptions, 'town' | 'log' | 'onResult' | 'now'>,
): Notifier {
  const sinks: Sink[] = [];
  if (s.command) sinks.push(new CommandSink(s.command));
  if (s.webhook) sinks.push(new WebhookSink(s.webhook));
  return new Notifier({
    ...env,
    sinks,
    ...(s.events ? { kinds: s.events } : {}),
    timeoutMs: s.timeout,
    rate: { count: s.rate_limit.count, perMs: s.rate_limit.per },
    retry: { attempts: s.retry.attempts, initialMs: s.retry.initial_backoff, maxMs: s.retry.max_backoff },
    queueMax: s.queue_max,
    dedupMs: s.slot_max_age,
  });
}

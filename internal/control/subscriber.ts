import { ControlError, openStream } from './client.js';
import { SUBSCRIBE, isEventNotification, type DaemonEventParams, type SubscribeResult } from './protocol/messages/subscribe.js';

export interface SubscribeOptions {
  /** Recent events the daemon kept, sent before the live ones (none when 0 or absent). */
  replay?: number;
  /** How long to wait for the daemon's answer to the subscription. */
  timeoutMs?: number;
  /** Called once the daemon accepted, before the first event (replayed ones included). */
  onAccepted?(result: SubscribeResult): void;
  onEvent(event: DaemonEventParams): void;
}

export interface Subscription {
  /** Resolves once the daemon accepted the subscription; rejects with a ControlError otherwise. */
  readonly accepted: Promise<SubscribeResult>;
  /**
   * Resolves when the stream ends: the daemon stopped (or refused), or close() was called.
   * `byClient` tells the two apart.
   */
  readonly ended: Promise<{ byClient: boolean }>;
  close(): void;
}

/**
 * The client side of the control socket's `subscribe` method (`gt feed` and the dashboard both
 * follow the daemon through it), on the shared client: its line framing and bounds, its answer
 * guard. One connection: the request, the answer, then one `event` notification per line.
 */
export function subscribeEvents(path: string, opts: SubscribeOptions): Subscription {
  let byClient = false;
  const stream = openStream(
    path,
    SUBSCRIBE,
    { replay: opts.replay ?? 0 },
    (n) => {
      if (isEventNotification(n)) opts.onEvent(n.params);
    },
    { timeoutMs: opts.timeoutMs ?? 5_000, onResult: opts.onAccepted },
  );
  const accepted = stream.result.catch((e: unknown) => {
    if (e instanceof ControlError && e.reason === 'rpc-error') throw new ControlError('rpc-error', `daemon refused the subscription: ${e.message}`);
    throw e;
  });
  accepted.catch(() => undefined);
  return {
    accepted,
    ended: stream.closed.then(() => ({ byClient })),
    close() {
      byClient = true;
      stream.close();
    },
  };
}

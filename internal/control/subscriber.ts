import net from 'node:net';
import { ControlError } from './client.js';
import { assertSocketPathFits } from './socket-path.js';
import { GtError } from '../errors.js';
import { SUBSCRIBE, isEventNotification, isSubscribeResult, type DaemonEventParams, type SubscribeResult } from './protocol/messages/subscribe.js';

/** A line longer than this without a newline is not an event: the connection is dropped. */
const MAX_LINE_BYTES = 1024 * 1024;

export interface SubscribeOptions {
  /** Recent events the daemon kept, sent before the live ones. */
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
   * Resolves when the stream ends after it was accepted: the daemon stopped, or close() was called.
   * `byClient` tells the two apart.
   */
  readonly ended: Promise<{ byClient: boolean }>;
  close(): void;
}

/**
 * The client side of the control socket's `subscribe` method (the shared one: `gt feed` and the
 * dashboard both follow the daemon through it). One connection: the request, the answer, then
 * one `event` notification per line until either side closes.
 */
export function subscribeEvents(path: string, opts: SubscribeOptions): Subscription {
  let accept!: (r: SubscribeResult) => void;
  let refuse!: (e: ControlError) => void;
  let end!: (v: { byClient: boolean }) => void;
  const accepted = new Promise<SubscribeResult>((res, rej) => ((accept = res), (refuse = rej)));
  const ended = new Promise<{ byClient: boolean }>((res) => (end = res));
  // Nobody need listen to `accepted` failing when they only await `ended`.
  accepted.catch(() => undefined);

  try {
    assertSocketPathFits(path);
  } catch (e) {
    refuse(new ControlError('not-listening', (e as GtError).line));
    end({ byClient: false });
    return { accepted, ended, close() {} };
  }

  const sock = net.connect(path);
  let subscribed = false;
  let closedByClient = false;
  let buf = '';
  const timer = setTimeout(() => fail(new ControlError('timeout', `control socket did not answer "${SUBSCRIBE}" within ${opts.timeoutMs ?? 5_000}ms`)), opts.timeoutMs ?? 5_000);

  function fail(e: ControlError): void {
    clearTimeout(timer);
    if (!subscribed) refuse(e);
    sock.destroy();
  }

  sock.setEncoding('utf8');
  sock.on('connect', () => sock.write(`${JSON.stringify({ jsonrpc: '2.0', id: 1, method: SUBSCRIBE, params: { replay: opts.replay ?? 0 } })}\n`));
  sock.on('error', (e: NodeJS.ErrnoException) => fail(new ControlError('not-listening', `control socket not answering (${e.code ?? e.message})`)));
  sock.on('close', () => {
    clearTimeout(timer);
    if (!subscribed) refuse(new ControlError('not-listening', 'control socket closed without an answer'));
    end({ byClient: closedByClient });
  });
  sock.on('data', (chunk: string) => {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      let msg: unknown;
      try {
        msg = JSON.parse(line);
      } catch {
        continue; // not a message of ours
      }
      if (!subscribed) {
        const m = msg as { id?: unknown; result?: unknown; error?: { message?: unknown } };
        if (m && m.id === 1 && m.error) return fail(new ControlError('rpc-error', `daemon refused the subscription: ${String(m.error.message)}`));
        if (m && m.id === 1 && isSubscribeResult(m.result)) {
          subscribed = true;
          clearTimeout(timer);
          opts.onAccepted?.(m.result);
          accept(m.result);
        }
        continue;
      }
      if (isEventNotification(msg)) opts.onEvent(msg.params);
    }
    if (buf.length > MAX_LINE_BYTES) fail(new ControlError('bad-response', 'control socket sent a line over 1 MiB'));
  });

  return {
    accepted,
    ended,
    close() {
      closedByClient = true;
      clearTimeout(timer);
      sock.destroy();
    },
  };
}

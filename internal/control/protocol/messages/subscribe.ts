import type { MethodSpec } from '../method.js';

/**
 * Live daemon events (`gt feed`). The daemon answers once with where the stream starts, then keeps
 * the connection and writes every event as a JSON-RPC notification line
 * `{"jsonrpc":"2.0","method":"event","params":{...}}` until the client disconnects.
 */
/** The notification method of every streamed event. */
export const EVENT_NOTIFICATION = 'event' as const;

export interface SubscribeParams {
  /** Send up to this many recent events (kept by the daemon) before the live ones; none when 0 or absent. */
  replay?: number;
}

export interface SubscribeResult {
  subscribed: true;
  /** Sequence number of the last event before this subscription (replayed ones included). */
  seq: number;
  pid: number;
}

/**
 * One daemon event. `type` is `action` (an applied action: `action`, `ok`, `description`,
 * `detail?`), `tick_start` (`tick`, `reasons`), `tick_end` (`tick`, `ms`, `counts`), `notify`
 * (a fast-path hook fired: `event`, `session?`) or `signal` (`signal`). Every event has `seq`
 * (increasing) and `time` (ISO).
 */
export interface DaemonEventParams {
  type: string;
  seq: number;
  time: string;
  [key: string]: unknown;
}

export interface EventNotification {
  jsonrpc: '2.0';
  method: typeof EVENT_NOTIFICATION;
  params: DaemonEventParams;
}

export function isSubscribeResult(x: unknown): x is SubscribeResult {
  const r = x as SubscribeResult;
  return !!r && typeof r === 'object' && r.subscribed === true && Number.isInteger(r.seq) && Number.isInteger(r.pid);
}

export function isEventNotification(x: unknown): x is EventNotification {
  const m = x as EventNotification;
  return (
    !!m &&
    typeof m === 'object' &&
    m.jsonrpc === '2.0' &&
    m.method === EVENT_NOTIFICATION &&
    !('id' in m) &&
    !!m.params &&
    typeof m.params === 'object' &&
    typeof m.params.type === 'string' &&
    Number.isInteger(m.params.seq) &&
    typeof m.params.time === 'string'
  );
}

export const SUBSCRIBE: MethodSpec<'subscribe', SubscribeParams | undefined, SubscribeResult> = { name: 'subscribe', isResult: isSubscribeResult };

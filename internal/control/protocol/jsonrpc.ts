/**
 * JSON-RPC 2.0 envelopes, one JSON object per line over the control socket. Zod-free: the CLI's
 * client imports this on its hot path (`gt daemon status`); the server validates requests with
 * the schema in request.ts.
 */

export const RPC_ERRORS = {
  parse: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internal: -32603,
} as const;

export type RpcId = string | number;

export interface RpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

/** What the server writes: an answer to one request, or (streams) a notification. */
export type RpcResponse = { jsonrpc: '2.0'; id: RpcId | null; result: unknown } | { jsonrpc: '2.0'; id: RpcId | null; error: RpcErrorObject };
export interface RpcNotification {
  jsonrpc: '2.0';
  method: string;
  params?: unknown;
}

export function isRpcResponse(x: unknown): x is RpcResponse {
  const m = x as Record<string, unknown>;
  if (!m || typeof m !== 'object' || m.jsonrpc !== '2.0' || !('id' in m)) return false;
  if ('result' in m) return true;
  const e = m.error as RpcErrorObject | undefined;
  return !!e && typeof e === 'object' && typeof e.code === 'number' && typeof e.message === 'string';
}

export function isRpcNotification(x: unknown): x is RpcNotification {
  const m = x as Record<string, unknown>;
  return !!m && typeof m === 'object' && m.jsonrpc === '2.0' && !('id' in m) && typeof m.method === 'string';
}

/**
 * Every bound on a control connection (design 9b: every queue and buffer has one). A client that
 * breaks one is dropped, never buffered for: the daemon supervises every agent and must not run
 * out of memory for one misbehaving peer.
 */
export interface ControlLimits {
  /** Open connections at once; more are answered with an error and closed. */
  maxConnections: number;
  /** Bytes in one request line; a longer line drops the connection. */
  maxLineBytes: number;
  /** Requests of one connection being handled at once; reading pauses beyond this. */
  maxPending: number;
  /** Answer bytes queued for a peer that does not read; beyond this it is dropped. */
  maxQueuedBytes: number;
  /** A connection with nothing in flight and no stream is closed after this long. */
  idleTimeoutMs: number;
  /** A request line must be complete within this long of its first byte (slow clients). */
  lineTimeoutMs: number;
  /** Queued output must drain within this long, or the peer is dropped. */
  drainTimeoutMs: number;
}

export const CONTROL_LIMITS: ControlLimits = {
  maxConnections: 64,
  maxLineBytes: 64 * 1024,
  maxPending: 16,
  maxQueuedBytes: 1024 * 1024,
  idleTimeoutMs: 60_000,
  lineTimeoutMs: 10_000,
  drainTimeoutMs: 30_000,
};

import { chmodSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import { errnoCode, messageOf } from '../errors.js';
import { assertSocketPathFits } from './socket-path.js';
import { MAX_LINE_BYTES, RPC_ERRORS, requestSchema, type RpcRequest } from './protocol/jsonrpc.js';

/** Thrown by a handler whose params do not validate; becomes a -32602 answer. */
export class InvalidParamsError extends Error {}

/**
 * What a handler may do with its connection besides answering. `stream` keeps the connection
 * open after the answer (no idle timeout) and returns `send`, which writes one JSON-RPC
 * notification line `{"jsonrpc":"2.0","method":...,"params":...}` per call; notifications sent
 * before the answer is written are queued behind it. `onClose` runs once when the peer goes away
 * (or the server closes); `send` is a no-op after that.
 */
export interface HandlerConnection {
  stream(onClose: () => void): (method: string, params: unknown) => void;
}

export type Handler = (params: unknown, req: RpcRequest, conn: HandlerConnection) => Promise<unknown> | unknown;

/** A streaming peer that stops reading is dropped once this much output is queued for it. */
export const MAX_STREAM_BACKLOG_BYTES = 4 * 1024 * 1024;

export interface ControlServerOptions {
  path: string;
  handlers: Record<string, Handler>;
  /** Bad input is logged here and answered; it never stops the server. */
  warn: (line: string) => void;
}

export interface ControlServer {
  close(): Promise<void>;
}

/**
 * JSON-RPC 2.0 over a Unix socket, one JSON object per line, mode 0600. The caller must hold the
 * daemon lock: only then is removing a leftover socket file safe (its owner is dead).
 */
export async function startControlServer(opts: ControlServerOptions): Promise<ControlServer> {
  assertSocketPathFits(opts.path);
  try {
    unlinkSync(opts.path);
  } catch (e) {
    if (errnoCode(e) !== 'ENOENT') throw e;
  }
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => sock.destroy());
    sock.setTimeout(60_000, () => sock.destroy());
    let buf = '';
    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.trim() !== '') void answer(sock, line, opts);
      }
      if (buf.length > MAX_LINE_BYTES) {
        opts.warn(`control: dropped a connection that sent ${buf.length} bytes without a newline`);
        write(sock, { jsonrpc: '2.0', id: null, error: { code: RPC_ERRORS.invalidRequest, message: 'line too long' } });
        sock.destroy();
      }
    });
  });
  const oldMask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.path, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } finally {
    process.umask(oldMask);
  }
  chmodSync(opts.path, 0o600);
  server.on('error', (e) => opts.warn(`control: server error: ${messageOf(e)}`));
  return {
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function write(sock: net.Socket, msg: unknown): void {
  if (!sock.destroyed && !sock.writableEnded) sock.write(`${JSON.stringify(msg)}\n`);
}

async function answer(sock: net.Socket, line: string, opts: ControlServerOptions): Promise<void> {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    opts.warn(`control: ignored a line that is not JSON (${JSON.stringify(line.slice(0, 80))})`);
    write(sock, { jsonrpc: '2.0', id: null, error: { code: RPC_ERRORS.parse, message: 'parse error: expected one JSON object per line' } });
    return;
  }
  const parsed = requestSchema.safeParse(raw);
  if (!parsed.success) {
    opts.warn(`control: ignored an invalid request (${JSON.stringify(line.slice(0, 80))})`);
    const id = raw && typeof raw === 'object' && 'id' in raw && (typeof raw.id === 'string' || typeof raw.id === 'number') ? raw.id : null;
    write(sock, {
      jsonrpc: '2.0',
      id,
      error: { code: RPC_ERRORS.invalidRequest, message: 'invalid request: expected {"jsonrpc":"2.0","id":...,"method":...}' },
    });
    return;
  }
  const req = parsed.data;
  const handler = Object.hasOwn(opts.handlers, req.method) ? opts.handlers[req.method] : undefined;
  if (!handler) {
    opts.warn(`control: unknown method ${JSON.stringify(req.method)}`);
    write(sock, { jsonrpc: '2.0', id: req.id, error: { code: RPC_ERRORS.methodNotFound, message: `unknown method "${req.method}"` } });
    return;
  }
  let answered = false;
  let queued: unknown[] = [];
  let closeHook: (() => void) | undefined;
  const conn: HandlerConnection = {
    stream(onClose) {
      if (!closeHook) {
        closeHook = onClose;
        sock.setTimeout(0);
        sock.once('close', () => {
          queued = [];
          onClose();
        });
        if (sock.destroyed) queueMicrotask(onClose);
      }
      return (method, params) => {
        if (sock.destroyed || sock.writableEnded) return;
        const msg = { jsonrpc: '2.0', method, params };
        if (!answered) queued.push(msg);
        else if (sock.writableLength > MAX_STREAM_BACKLOG_BYTES) {
          opts.warn(`control: dropped a ${req.method} subscriber that stopped reading`);
          sock.destroy();
        } else write(sock, msg);
      };
    },
  };
  try {
    const result = await handler(req.params, req, conn);
    write(sock, { jsonrpc: '2.0', id: req.id, result: result ?? null });
  } catch (e) {
    const code = e instanceof InvalidParamsError ? RPC_ERRORS.invalidParams : RPC_ERRORS.internal;
    opts.warn(`control: ${req.method} failed: ${messageOf(e)}`);
    write(sock, { jsonrpc: '2.0', id: req.id, error: { code, message: messageOf(e) } });
    // A failed request streams nothing.
    if (closeHook) {
      queued = [];
      sock.end();
    }
  }
  answered = true;
  for (const m of queued.splice(0)) write(sock, m);
}

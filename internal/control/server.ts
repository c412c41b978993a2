import { chmodSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import type { z } from 'zod';
import { errnoCode, messageOf } from '../errors.js';
import { assertSocketPathFits } from './socket-path.js';
import { LineFramer } from './protocol/framing.js';
import { CONTROL_LIMITS, RPC_ERRORS, type ControlLimits, type RpcId } from './protocol/jsonrpc.js';
import type { MethodSpec } from './protocol/method.js';
import { requestSchema, type RpcRequest } from './protocol/request.js';

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

/**
 * One row of a server's method table: the method (name and the guard its answer must pass, the
 * same object the client calls with), the zod schema its params must pass, a one-line hint for
 * a request whose params do not, and the handler.
 */
export interface MethodHandler<M extends MethodSpec, C> {
  method: M;
  params: z.ZodType;
  /** Shown to a client whose params fail the schema, e.g. 'tick takes {"reason"?: string}'. */
  paramsHint: string;
  handle(params: M extends MethodSpec<string, infer P, unknown> ? P : never, ctx: C, conn: HandlerConnection, req: RpcRequest): unknown;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyMethodHandler<C> = MethodHandler<MethodSpec<string, any, any>, C>;

export interface ControlServerOptions<C> {
  path: string;
  /** method name -> handler; dispatch goes only through this table. */
  handlers: Readonly<Record<string, AnyMethodHandler<C>>>;
  /** Passed to every handler: what the daemon lets a control request see and do. */
  context: C;
  /** Bad input is logged here and answered; it never stops the server. */
  warn: (line: string) => void;
  limits?: Partial<ControlLimits>;
}

export interface ControlServer {
  close(): Promise<void>;
  /** Open connections now (for tests and status). */
  readonly connections: number;
}

/**
 * JSON-RPC 2.0 over a Unix socket, one JSON object per line, mode 0600. The caller must hold the
 * daemon lock: only then is removing a leftover socket file safe (its owner is dead). Every
 * queue is bounded (ControlLimits): a peer that does not read, floods, dribbles or idles is
 * dropped, and the others are served as before.
 */
export async function startControlServer<C>(opts: ControlServerOptions<C>): Promise<ControlServer> {
  assertSocketPathFits(opts.path);
  const limits: ControlLimits = { ...CONTROL_LIMITS, ...opts.limits };
  try {
    unlinkSync(opts.path);
  } catch (e) {
    if (errnoCode(e) !== 'ENOENT') throw e;
  }
  const warn = rateLimited(opts.warn);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    if (sockets.size >= limits.maxConnections) {
      warn('connections', `control: refused a connection: ${limits.maxConnections} are open (the most allowed)`);
      sock.on('error', () => undefined);
      sock.end(line({ jsonrpc: '2.0', id: null, error: { code: RPC_ERRORS.internal, message: `too many connections (at most ${limits.maxConnections})` } }));
      sock.destroySoon();
      return;
    }
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    serveConnection(sock, opts, limits, warn);
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
    get connections() {
      return sockets.size;
    },
  };
}

function line(msg: unknown): string {
  return `${JSON.stringify(msg)}\n`;
}

/**
 * A warning per kind at most once a minute, with how many were held back: a client that
 * reconnects in a loop must not fill the daemon's log.
 */
function rateLimited(warn: (line: string) => void): (kind: string, msg: string) => void {
  const last = new Map<string, { at: number; held: number }>();
  return (kind, msg) => {
    const now = Date.now();
    const l = last.get(kind);
    if (l && now - l.at < 60_000) {
      l.held += 1;
      return;
    }
    warn(l?.held ? `${msg} (and ${l.held} more like it in the last minute)` : msg);
    last.set(kind, { at: now, held: 0 });
  };
}

function serveConnection<C>(sock: net.Socket, opts: ControlServerOptions<C>, limits: ControlLimits, warn: (kind: string, msg: string) => void): void {
  const framer = new LineFramer(limits.maxLineBytes);
  let pending = 0;
  let streaming = false;
  let paused = false;
  let drainTimer: NodeJS.Timeout | undefined;

  const drop = (kind: string, why: string) => {
    if (sock.destroyed) return;
    warn(kind, `control: dropped a connection: ${why}`);
    sock.destroy();
  };

  /** Write one message, or drop a peer whose unread output has reached the cap. */
  const send = (msg: unknown): void => {
    if (sock.destroyed || sock.writableEnded) return;
    if (sock.writableLength > limits.maxQueuedBytes) {
      drop('unread', `the peer stopped reading (${sock.writableLength} bytes of answers queued, at most ${limits.maxQueuedBytes})`);
      return;
    }
    const flushed = sock.write(line(msg));
    if (!flushed && !drainTimer) {
      drainTimer = setTimeout(() => drop('slow-reader', `the peer did not read its answers within ${limits.drainTimeoutMs}ms`), limits.drainTimeoutMs);
      drainTimer.unref();
    }
  };
  sock.on('drain', () => {
    clearTimeout(drainTimer);
    drainTimer = undefined;
  });

  // Idle (nothing in flight, not a stream) and slow (a line begun but not finished) peers.
  const watchdog = setInterval(() => {
    if (framer.partialSince !== undefined && Date.now() - framer.partialSince > limits.lineTimeoutMs) {
      drop('slow-line', `a request line was not finished within ${limits.lineTimeoutMs}ms`);
    }
  }, Math.min(1_000, limits.lineTimeoutMs)).unref();
  sock.setTimeout(limits.idleTimeoutMs, () => {
    if (framer.partialSince !== undefined) drop('slow-line', `a request line was not finished within ${Date.now() - framer.partialSince}ms`);
    else if (!streaming && pending === 0) drop('idle', `idle for ${limits.idleTimeoutMs}ms`);
    // A long request (a tick) was in flight: watch the quiet that follows it too.
    else if (!streaming) sock.setTimeout(limits.idleTimeoutMs);
  });
  sock.on('close', () => {
    clearInterval(watchdog);
    clearTimeout(drainTimer);
  });
  sock.on('error', () => sock.destroy());

  const pump = () => {
    let l: string | undefined;
    while (pending < limits.maxPending && !sock.destroyed && (l = framer.next()) !== undefined) {
      pending += 1;
      void answer(l, opts, send, sock, () => (streaming = true), warn).finally(() => {
        pending -= 1;
        pump();
      });
    }
    // Too many requests in flight: stop reading until some are answered (the peer's writes
    // then wait in the kernel, not in our memory).
    const full = pending >= limits.maxPending && framer.queued > 0;
    if (full && !paused) {
      paused = true;
      sock.pause();
    } else if (!full && paused && !sock.destroyed) {
      paused = false;
      sock.resume();
    }
  };

  sock.on('data', (chunk: Buffer) => {
    if (!framer.push(chunk)) {
      send({ jsonrpc: '2.0', id: null, error: { code: RPC_ERRORS.invalidRequest, message: `line too long (at most ${limits.maxLineBytes} bytes)` } });
      drop('line', `a request line exceeded ${limits.maxLineBytes} bytes`);
      return;
    }
    pump();
  });
}

async function answer<C>(
  text: string,
  opts: ControlServerOptions<C>,
  send: (msg: unknown) => void,
  sock: net.Socket,
  markStreaming: () => void,
  warn: (kind: string, msg: string) => void,
): Promise<void> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    warn('parse', `control: ignored a line that is not JSON (${JSON.stringify(text.slice(0, 80))})`);
    send({ jsonrpc: '2.0', id: null, error: { code: RPC_ERRORS.parse, message: 'parse error: expected one JSON object per line' } });
    return;
  }
  const parsed = requestSchema.safeParse(raw);
  if (!parsed.success) {
    warn('invalid', `control: ignored an invalid request (${JSON.stringify(text.slice(0, 80))})`);
    const id = raw && typeof raw === 'object' && 'id' in raw && (typeof raw.id === 'string' || typeof raw.id === 'number') ? (raw.id as RpcId) : null;
    send({ jsonrpc: '2.0', id, error: { code: RPC_ERRORS.invalidRequest, message: 'invalid request: expected {"jsonrpc":"2.0","id":...,"method":...}' } });
    return;
  }
  const req = parsed.data;
  const handler = Object.hasOwn(opts.handlers, req.method) ? opts.handlers[req.method] : undefined;
  if (!handler) {
    warn('unknown', `control: unknown method ${JSON.stringify(req.method)}`);
    send({ jsonrpc: '2.0', id: req.id, error: { code: RPC_ERRORS.methodNotFound, message: `unknown method "${req.method}"` } });
    return;
  }
  const params = handler.params.safeParse(req.params);
  if (!params.success) {
    warn('params', `control: ${req.method} with invalid params (${JSON.stringify(text.slice(0, 80))})`);
    send({ jsonrpc: '2.0', id: req.id, error: { code: RPC_ERRORS.invalidParams, message: handler.paramsHint } });
    return;
  }
  let answered = false;
  let queued: unknown[] = [];
  let closeHook: (() => void) | undefined;
  const conn: HandlerConnection = {
    stream(onClose) {
      if (!closeHook) {
        closeHook = onClose;
        markStreaming();
        sock.setTimeout(0);
        sock.once('close', () => {
          queued = [];
          onClose();
        });
        if (sock.destroyed) queueMicrotask(onClose);
      }
      return (method, p) => {
        const msg = { jsonrpc: '2.0', method, params: p };
        if (!answered) queued.push(msg);
        else send(msg);
      };
    },
  };
  try {
    const result = await handler.handle(params.data as never, opts.context, conn, req);
    // The answer is checked with the same guard the client uses: a handler bug is an error here,
    // not a malformed answer there.
    if (!handler.method.isResult(result)) throw new Error(`${req.method} produced an answer that does not match its method`);
    send({ jsonrpc: '2.0', id: req.id, result });
  } catch (e) {
    warn(`failed:${req.method}`, `control: ${req.method} failed: ${messageOf(e)}`);
    send({ jsonrpc: '2.0', id: req.id, error: { code: RPC_ERRORS.internal, message: messageOf(e) } });
    // A failed request streams nothing.
    if (closeHook) {
      queued = [];
      sock.end();
    }
  }
  answered = true;
  for (const m of queued.splice(0)) send(m);
}

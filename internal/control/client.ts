import net from 'node:net';
import { GtError } from '../errors.js';
import { assertSocketPathFits } from './socket-path.js';
import { LineFramer } from './protocol/framing.js';
import { isRpcNotification, isRpcResponse, type RpcNotification } from './protocol/jsonrpc.js';
import type { MethodSpec, ParamsOf, ResultOf } from './protocol/method.js';

export type ControlFailure = 'not-listening' | 'timeout' | 'rpc-error' | 'bad-response';

/** A control-socket call that did not produce a result; `reason` says why. */
export class ControlError extends GtError {
  readonly reason: ControlFailure;
  constructor(reason: ControlFailure, message: string) {
    super('CONTROL_FAILED', message);
    this.name = 'ControlError';
    this.reason = reason;
  }
}

export interface CallOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface StreamOptions<R> extends CallOptions {
  /** Called with the answer before any notification that follows it is delivered. */
  onResult?: (result: R) => void;
}

/** The daemon's answers are small; a line longer than this is not one of them. */
const MAX_ANSWER_LINE_BYTES = 4 * 1024 * 1024;

let nextId = 1;

interface Exchange<R> {
  /** Resolves with the checked result of the one request. */
  result: Promise<R>;
  /** Resolves when the connection ends after the result (streams); never rejects. */
  closed: Promise<void>;
  close(): void;
}

/**
 * One request on the control socket, with the shared line framing; `onNotification` receives
 * the lines that follow the answer (a stream). The answer must pass the method's guard.
 */
function exchange<M extends MethodSpec>(
  path: string,
  method: M,
  params: ParamsOf<M>,
  opts: StreamOptions<ResultOf<M>>,
  onNotification?: (n: RpcNotification) => void,
): Exchange<ResultOf<M>> {
  const timeoutMs = opts.timeoutMs ?? 5_000;
  const id = nextId++;
  const name = method.name;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));
  try {
    assertSocketPathFits(path);
  } catch (e) {
    resolveClosed();
    // Connecting would reach a truncated path: some other socket, or none.
    return { result: Promise.reject(new ControlError('not-listening', (e as GtError).line)), closed, close: () => undefined };
  }
  const sock = net.connect(path);
  const framer = new LineFramer(MAX_ANSWER_LINE_BYTES);
  let settled = false;
  let resolve!: (v: ResultOf<M>) => void;
  let reject!: (e: ControlError) => void;
  const result = new Promise<ResultOf<M>>((res, rej) => ((resolve = res), (reject = rej)));
  const finish = (err: ControlError | undefined, value?: ResultOf<M>) => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
    if (err) {
      sock.destroy();
      reject(err);
    } else {
      if (!onNotification) sock.destroy();
      opts.onResult?.(value as ResultOf<M>);
      resolve(value as ResultOf<M>);
    }
  };
  const timer = setTimeout(() => finish(new ControlError('timeout', `control socket did not answer "${name}" within ${timeoutMs}ms`)), timeoutMs);
  const onAbort = () => finish(new ControlError('timeout', `"${name}" aborted`));
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  sock.on('connect', () => {
    sock.write(`${JSON.stringify({ jsonrpc: '2.0', id, method: name, ...(params === undefined ? {} : { params }) })}\n`);
  });
  sock.on('error', (e: NodeJS.ErrnoException) => finish(new ControlError('not-listening', `control socket not answering (${e.code ?? e.message})`)));
  sock.on('close', () => {
    finish(new ControlError('not-listening', 'control socket closed without an answer'));
    resolveClosed();
  });
  sock.on('data', (chunk: Buffer) => {
    if (!framer.push(chunk)) return finish(new ControlError('bad-response', 'control socket sent a line too long to be an answer'));
    let text: string | undefined;
    while ((text = framer.next()) !== undefined) {
      let msg: unknown;
      try {
        msg = JSON.parse(text);
      } catch {
        if (!settled) return finish(new ControlError('bad-response', 'control socket sent something that is not JSON'));
        continue;
      }
      if (settled) {
        if (isRpcNotification(msg)) onNotification?.(msg);
        continue;
      }
      if (!isRpcResponse(msg) || (msg.id !== id && msg.id !== null)) {
        return finish(new ControlError('bad-response', 'control socket sent something that is not a JSON-RPC 2.0 answer'));
      }
      if ('error' in msg) return finish(new ControlError('rpc-error', msg.error.message));
      if (!method.isResult(msg.result)) return finish(new ControlError('bad-response', `the daemon sent a malformed "${name}" answer`));
      finish(undefined, msg.result as ResultOf<M>);
    }
  });
  return { result, closed, close: () => sock.destroy() };
}

/** One call: resolves with the method's checked result, or rejects with a ControlError. */
export function callMethod<M extends MethodSpec>(path: string, method: M, params: ParamsOf<M>, opts: CallOptions = {}): Promise<ResultOf<M>> {
  return exchange(path, method, params, opts).result;
}

export interface ControlStream<R> {
  /** The answer that opened the stream (rejects with a ControlError when there was none). */
  result: Promise<R>;
  /** Resolves when the connection ends, after the answer or instead of it (or on `close()`). */
  closed: Promise<void>;
  close(): void;
}

/**
 * A call whose connection stays open after its answer (subscribe): every notification line that
 * follows goes to `onNotification` until the stream closes.
 */
export function openStream<M extends MethodSpec>(
  path: string,
  method: M,
  params: ParamsOf<M>,
  onNotification: (n: RpcNotification) => void,
  opts: StreamOptions<ResultOf<M>> = {},
): ControlStream<ResultOf<M>> {
  const ex = exchange(path, method, params, opts, onNotification);
  // Nobody need listen to the answer failing when they only wait for the end.
  ex.result.catch(() => undefined);
  return ex;
}

import net from 'node:net';
import { GtError } from '../errors.js';
import { assertSocketPathFits } from './socket-path.js';

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

let nextId = 1;

/**
 * One JSON-RPC call on the daemon's control socket. Resolves with the raw `result`; callers
 * validate it with the message module's schema.
 */
export function callControl(path: string, method: string, params?: unknown, opts: CallOptions = {}): Promise<unknown> {
  const timeoutMs = opts.timeoutMs ?? 5_000;
  const id = nextId++;
  try {
    assertSocketPathFits(path);
  } catch (e) {
    // Connecting would reach a truncated path: some other socket, or none.
    return Promise.reject(new ControlError('not-listening', (e as GtError).line));
  }
  return new Promise((resolve, reject) => {
    const sock = net.connect(path);
    let buf = '';
    let settled = false;
    const finish = (err: ControlError | undefined, value?: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      sock.destroy();
      if (err) reject(err);
      else resolve(value);
    };
    const timer = setTimeout(() => finish(new ControlError('timeout', `control socket did not answer "${method}" within ${timeoutMs}ms`)), timeoutMs);
    const onAbort = () => finish(new ControlError('timeout', `"${method}" aborted`));
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    sock.setEncoding('utf8');
    sock.on('connect', () => {
      sock.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) })}\n`);
    });
    sock.on('error', (e: NodeJS.ErrnoException) => {
      finish(new ControlError('not-listening', `control socket not answering (${e.code ?? e.message})`));
    });
    sock.on('close', () => finish(new ControlError('not-listening', 'control socket closed without an answer')));
    sock.on('data', (chunk: string) => {
      buf += chunk;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      let msg: unknown;
      try {
        msg = JSON.parse(buf.slice(0, nl));
      } catch {
        return finish(new ControlError('bad-response', 'control socket sent something that is not JSON'));
      }
      if (!msg || typeof msg !== 'object' || (msg as { jsonrpc?: unknown }).jsonrpc !== '2.0') {
        return finish(new ControlError('bad-response', 'control socket sent something that is not JSON-RPC 2.0'));
      }
      const m = msg as { result?: unknown; error?: { message?: unknown } };
      if (m.error) return finish(new ControlError('rpc-error', String(m.error.message ?? 'error')));
      finish(undefined, m.result);
    });
  });
}

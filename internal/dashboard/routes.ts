import type { IncomingMessage, ServerResponse } from 'node:http';
import { GtError, messageOf, type ErrorCode } from '../errors.js';
import { isActionName, runAction } from './actions.js';
import { requestToken, sameOrigin, tokenCookie, tokenMatches } from './auth.js';
import type { StaticFile } from './static-files.js';
import type { TownSnapshot } from './views.js';

/** Bodies larger than this are refused before they are read whole. */
const MAX_BODY_BYTES = 16 * 1024;

export interface RouteContext {
  town: string;
  port: number;
  token: string;
  files: ReadonlyMap<string, StaticFile>;
  /** Who this server is (the pid file's record), so `gt dashboard` can prove it found its own. */
  identity: { pid: number; nonce: string };
  snapshot(): Promise<TownSnapshot>;
  /** An action changed something: read the snapshot again now rather than on the next file event. */
  changed(): void;
  log(line: string): void;
}

/** Headers on every answer: nothing framed, sniffed, cached or loaded from elsewhere. */
const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
};

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, 'cache-control': 'no-store', ...extra });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json; charset=utf-8', `${JSON.stringify(value)}\n`);
}

export function unauthorized(res: ServerResponse): void {
  send(
    res,
    401,
    'text/plain; charset=utf-8',
    "401 Unauthorized: this dashboard needs its token. Run 'gt dashboard' in the town and open the URL it prints.\n",
    { 'www-authenticate': 'Bearer realm="gt dashboard"' },
  );
}

const STATUS_OF: Partial<Record<ErrorCode, number>> = { USAGE: 400, INVALID_INPUT: 400, CONFIG_INVALID: 400, NOT_FOUND: 404, CONFLICT: 409, LOCK_HELD: 409 };

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new GtError('INVALID_INPUT', `request body over ${MAX_BODY_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Whether a request carries this dashboard's token (in constant time). */
export function authorized(req: IncomingMessage, url: URL, ctx: Pick<RouteContext, 'port' | 'token'>): boolean {
  return tokenMatches(requestToken(req, url, ctx.port), ctx.token);
}

export async function handleRequest(ctx: RouteContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://dashboard.invalid');
  if (!authorized(req, url, ctx)) return unauthorized(res);
  const method = req.method ?? 'GET';

  // First visit with ?token=: keep it in a cookie and take it out of the address bar and history.
  if (url.searchParams.has('token') && (method === 'GET' || method === 'HEAD')) {
    url.searchParams.delete('token');
    return send(res, 303, 'text/plain; charset=utf-8', '', { location: `${url.pathname}${url.search}`, 'set-cookie': tokenCookie(ctx.port, ctx.token) });
  }

  const file = ctx.files.get(url.pathname);
  if (file) {
    if (method !== 'GET' && method !== 'HEAD') return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n', { allow: 'GET, HEAD' });
    if (req.headers['if-none-match'] === file.etag) return send(res, 304, file.type, '', { etag: file.etag, 'cache-control': 'no-cache' });
    return send(res, 200, file.type, method === 'HEAD' ? '' : file.body, { etag: file.etag, 'cache-control': 'no-cache' });
  }

  if (url.pathname === '/api/snapshot' && method === 'GET') return sendJson(res, 200, await ctx.snapshot());
  if (url.pathname === '/api/ping' && method === 'GET') return sendJson(res, 200, { ...ctx.identity, town: ctx.town });

  const m = /^\/api\/actions\/([a-z-]{1,40})$/.exec(url.pathname);
  if (m) {
    if (method !== 'POST') return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n', { allow: 'POST' });
    if (!sameOrigin(req)) return sendJson(res, 403, { error: { code: 'FORBIDDEN', message: 'actions are accepted only from the dashboard page itself' } });
    if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) return sendJson(res, 415, { error: { code: 'USAGE', message: 'send the action as application/json' } });
    const name = m[1]!;
    if (!isActionName(name)) return sendJson(res, 404, { error: { code: 'NOT_FOUND', message: `no action ${JSON.stringify(name)}` } });
    try {
      const text = await readBody(req);
      let body: unknown;
      try {
        body = text.trim() === '' ? {} : JSON.parse(text);
      } catch {
        throw new GtError('INVALID_INPUT', 'the request body is not JSON');
      }
      const r = await runAction(ctx.town, name, body);
      ctx.log(`action ${name}: ${r.message}`);
      ctx.changed();
      return sendJson(res, 200, r);
    } catch (e) {
      const err = e instanceof GtError ? e : new GtError('IO', messageOf(e));
      ctx.log(`action ${name} failed: ${err.line}`);
      return sendJson(res, STATUS_OF[err.code] ?? 500, { error: err.toJSON() });
    }
  }
  return send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
}

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { errnoCode, GtError } from '../errors.js';
import { writeFileAtomicSync } from '../fsx/atomic.js';
import { readTextBounded } from '../fsx/read.js';
import type { TownLayout } from '../town/layout.js';

/** base64url of 32 random bytes. */
const TOKEN_RE = /^[A-Za-z0-9_-]{43}$/;

/**
 * The town's dashboard token (dashboard/token, mode 0600), created on first use. A file that is
 * not a small regular file holding a token is refused rather than trusted or overwritten.
 */
export function ensureToken(layout: TownLayout): string {
  const existing = readToken(layout);
  if (existing) return existing;
  mkdirSync(layout.dashboardDir, { recursive: true, mode: 0o700 });
  writeFileAtomicSync(layout.dashboardToken, `${randomBytes(32).toString('base64url')}\n`, 0o600);
  const made = readToken(layout);
  if (!made) throw new GtError('IO', `could not create ${layout.dashboardToken}`);
  return made;
}

/** The token, or undefined when the town has none yet. */
export function readToken(layout: TownLayout): string | undefined {
  let st;
  try {
    st = lstatSync(layout.dashboardToken);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return undefined;
    throw e;
  }
  const bad = (why: string) =>
    new GtError('CONFIG_INVALID', `${layout.dashboardToken}: ${why}`, { hint: 'remove it; gt dashboard makes a new token (open pages then need the new URL)' });
  if (!st.isFile()) throw bad('not a regular file');
  if (st.size > 256) throw bad('too large to be a token');
  // Whoever can read the token can drive the agents: keep it to the owner.
  if ((st.mode & 0o077) !== 0) chmodSync(layout.dashboardToken, 0o600);
  // Read through the one door: a file swapped for a FIFO or a link since the lstat is refused too.
  const r = readTextBounded(layout.dashboardToken, { cap: 256, noFollow: true });
  if (!r.ok) throw bad(r.missing ? 'vanished while being read' : r.invalid);
  const text = r.text.trim();
  if (!TOKEN_RE.test(text)) throw bad('does not hold a token');
  return text;
}

/** Constant-time: the time taken says nothing about how much of a guess was right, nor its length. */
export function tokenMatches(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The cookie the page keeps its token in, one name per port (cookies do not tell ports apart). */
export function cookieName(port: number): string {
  return `gt_dashboard_${port}`;
}

/** The token a request carries: `Authorization: Bearer`, the page's cookie, or `?token=` (first visit). */
export function requestToken(req: IncomingMessage, url: URL, port: number): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice('Bearer '.length).trim();
  const cookie = readCookie(req.headers.cookie, cookieName(port));
  if (cookie !== undefined) return cookie;
  return url.searchParams.get('token') ?? undefined;
}

function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Set-Cookie for the page: never readable by scripts, never sent by another site's page. */
export function tokenCookie(port: number, token: string): string {
  return `${cookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}

/**
 * A state-changing request (an action, a WebSocket) must come from the dashboard's own page:
 * a browser always sends Origin on these, and another site's page cannot forge it.
 */
export function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  const host = req.headers.host;
  if (origin === undefined) return true; // not a browser (curl, scripts with the token)
  return host !== undefined && (origin === `http://${host}` || origin === `https://${host}`);
}

/**
 * The dashboard's access rules: the town's token (0600, made once, never trusted from a file
 * that is not a token), the constant-time comparison, where a request may carry the token, the
 * same-origin rule for actions and WebSockets, and the loopback-only listen policy.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { ensureToken, readToken, requestToken, sameOrigin, tokenCookie, tokenMatches } from '../../internal/dashboard/auth.js';
import { baseUrl, chooseListen, isLoopback, remoteWarning } from '../../internal/dashboard/listen.js';
import { townLayout } from '../../internal/town/layout.js';
import type { GtError } from '../../internal/errors.js';
import { tempDir } from '../helpers/town.js';

const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

test('the token is made once, 0600, 32 random bytes; later calls read the same one', () => {
  const layout = townLayout(tempDir());
  assert.is(readToken(layout), undefined);
  const t = ensureToken(layout);
  assert.match(t, /^[A-Za-z0-9_-]{43}$/);
  assert.is(statSync(layout.dashboardToken).mode & 0o777, 0o600);
  assert.is(statSync(layout.dashboardDir).mode & 0o777, 0o700);
  assert.is(ensureToken(layout), t);
  assert.is.not(ensureToken(townLayout(tempDir())), t, 'each town has its own');
});

test('a token file readable by others is tightened to 0600; one that is not a token is refused, not overwritten', () => {
  const layout = townLayout(tempDir());
  const t = ensureToken(layout);
  chmodSync(layout.dashboardToken, 0o644);
  assert.is(readToken(layout), t);
  assert.is(statSync(layout.dashboardToken).mode & 0o777, 0o600);
  writeFileSync(layout.dashboardToken, 'password\n');
  assert.throws(() => ensureToken(layout), /does not hold a token/);
  assert.is(readFileSync(layout.dashboardToken, 'utf8'), 'password\n');
  const l2 = townLayout(tempDir());
  mkdirSync(l2.dashboardDir, { recursive: true });
  symlinkSync('/etc/hostname', l2.dashboardToken);
  assert.throws(() => ensureToken(l2), /not a regular file/);
});

test('tokenMatches: only the exact token, whatever the length of a guess', () => {
  const t = ensureToken(townLayout(tempDir()));
  assert.ok(tokenMatches(t, t));
  assert.not.ok(tokenMatches(undefined, t));
  assert.not.ok(tokenMatches('', t));
  assert.not.ok(tokenMatches(t.slice(0, -1), t));
  assert.not.ok(tokenMatches(`${t}x`, t));
  assert.not.ok(tokenMatches(`${t.slice(0, -1)}${t.endsWith('A') ? 'B' : 'A'}`, t));
});

test('a request carries the token as a bearer header, the page cookie (per port), or ?token= on the first visit', () => {
  const url = new URL('http://127.0.0.1:5000/');
  assert.is(requestToken(req({ authorization: 'Bearer abc' }), url, 5000), 'abc');
  assert.is(requestToken(req({ cookie: 'x=1; gt_dashboard_5000=def; y=2' }), url, 5000), 'def');
  assert.is(requestToken(req({ cookie: 'gt_dashboard_5001=def' }), url, 5000), undefined, "another dashboard's cookie");
  assert.is(requestToken(req({}), new URL('http://127.0.0.1:5000/?token=ghi'), 5000), 'ghi');
  assert.is(requestToken(req({}), url, 5000), undefined);
  assert.match(tokenCookie(5000, 'abc'), /^gt_dashboard_5000=abc; HttpOnly; SameSite=Strict; Path=\/$/);
});

test('sameOrigin: a browser request from the dashboard page itself, or no browser at all', () => {
  assert.ok(sameOrigin(req({ host: '127.0.0.1:5000', origin: 'http://127.0.0.1:5000' })));
  assert.ok(sameOrigin(req({ host: '127.0.0.1:5000' })), 'curl sends no Origin');
  assert.not.ok(sameOrigin(req({ host: '127.0.0.1:5000', origin: 'http://evil.example' })));
  assert.not.ok(sameOrigin(req({ host: '127.0.0.1:5000', origin: 'http://127.0.0.1:5001' })));
  assert.not.ok(sameOrigin(req({ host: '127.0.0.1:5000', origin: 'null' })));
});

test('listen: loopback by default; a non-loopback address only with --allow-remote, and then with a warning', () => {
  for (const h of ['127.0.0.1', '127.8.9.10', '::1', 'localhost', '[::1]', '::ffff:127.0.0.1']) assert.ok(isLoopback(h), h);
  for (const h of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.2', '::ffff:10.0.0.1', '128.0.0.1']) assert.not.ok(isLoopback(h), h);
  assert.equal(chooseListen({}), { host: '127.0.0.1', port: 0, loopback: true });
  assert.equal(chooseListen({}, 4567), { host: '127.0.0.1', port: 4567, loopback: true }, 'the port used last');
  assert.equal(chooseListen({ port: '8080' }, 4567), { host: '127.0.0.1', port: 8080, loopback: true });
  assert.throws(() => chooseListen({ listen: '0.0.0.0' }), /refusing to listen on 0\.0\.0\.0/);
  assert.throws(() => chooseListen({ listen: '::' }), (e: GtError) => /not a loopback address/.test(e.message) && /--allow-remote/.test(e.line) && e.exitCode === 2);
  const remote = chooseListen({ listen: '0.0.0.0', allowRemote: true });
  assert.equal(remote, { host: '0.0.0.0', port: 0, loopback: false });
  assert.match(remoteWarning(remote) ?? '', /^warning: the dashboard listens on 0\.0\.0\.0, not on loopback/);
  assert.is(remoteWarning(chooseListen({})), undefined);
  assert.throws(() => chooseListen({ listen: 'my-host' }), /expected an IP address/);
  assert.throws(() => chooseListen({ port: '70000' }), /expected a port number/);
  assert.throws(() => chooseListen({ port: '-1' }), /expected a port number/);
  assert.is(baseUrl('::1', 80), 'http://[::1]:80/');
  assert.is(baseUrl('0.0.0.0', 80), 'http://127.0.0.1:80/');
});

test.run();

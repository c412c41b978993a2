/**
 * `gt dashboard` without a browser: starting, reusing and stopping the server; the token (0600,
 * constant across restarts); 401 for a missing or wrong token on pages, API and WebSockets; a
 * non-loopback address refused without --allow-remote; actions refused from another origin or
 * with bad input. The browser tests (dashboard-page, dashboard-terminal) drive the page itself.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { flockHolders, pidRunning } from '../../internal/fsx/proc.js';
import { gt, makeTown, waitFor, type TempTown } from '../helpers/town.js';
import { startDashboard, stopDashboard, type Dashboard } from '../helpers/browser.js';

let town: TempTown;
let dash: Dashboard;

const get = (url: string, headers: Record<string, string> = {}) => fetch(url, { headers, redirect: 'manual' });

/** Status of a WebSocket upgrade: 101 when it opened, else the HTTP status the server refused with. */
function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('error', () => resolve(-1));
  });
}

test.before(async () => {
  town = await makeTown({ agent: 'sim', settings: { daemon: { recovery_interval: '10m' } } });
});

test.after(async () => {
  await stopDashboard(town.root);
  await town.cleanup();
});

test('a non-loopback address without --allow-remote is refused, and nothing starts', async () => {
  for (const addr of ['0.0.0.0', '192.0.2.10', '::']) {
    const r = await gt(['dashboard', '--listen', addr, '--town', town.root]);
    assert.is(r.code, 2, `${addr}: ${r.stderr}`);
    assert.match(r.stderr, /not a loopback address/);
    assert.match(r.stderr, /--allow-remote/);
  }
  assert.equal(flockHolders(join(town.root, 'dashboard', 'dashboard.lock')), []);
  const bad = await gt(['dashboard', '--listen', 'example.com', '--town', town.root]);
  assert.is(bad.code, 2);
  assert.match(bad.stderr, /expected an IP address/);
  const port = await gt(['dashboard', '--port', '99999', '--town', town.root]);
  assert.is(port.code, 2);
  assert.match(port.stderr, /expected a port number/);
});

test('gt dashboard starts a server on 127.0.0.1 with a 0600 token, and a second call reuses it', async () => {
  dash = await startDashboard(town.root);
  assert.match(dash.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  assert.ok(pidRunning(dash.pid));
  const tokenFile = join(town.root, 'dashboard', 'token');
  assert.is(statSync(tokenFile).mode & 0o777, 0o600);
  assert.match(dash.token, /^[A-Za-z0-9_-]{43}$/);
  assert.is(dash.openUrl, `${dash.url}?token=${dash.token}`);
  const again = await startDashboard(town.root);
  assert.is(again.pid, dash.pid);
  assert.is(again.token, dash.token);
  const human = await gt(['dashboard', '--town', town.root]);
  assert.is(human.code, 0, human.stderr);
  assert.match(human.stdout, new RegExp(`dashboard running at ${dash.url.replace(/[.]/g, '\\.')} \\(pid ${dash.pid}\\)`));
  assert.ok(human.stdout.includes(`open: ${dash.openUrl}`));
  const other = await gt(['dashboard', '--port', String(dash.port + 1), '--town', town.root]);
  assert.is(other.code, 1);
  assert.match(other.stderr, /already runs at/);
});

test('no token: 401; a wrong token: 401 (header, cookie, query); the right one: the page', async () => {
  const page = dash.url;
  assert.is((await get(page)).status, 401);
  assert.is((await get(`${page}api/snapshot`)).status, 401);
  assert.is((await get(`${page}assets/app.js`)).status, 401);
  const wrong = `${dash.token.slice(0, -1)}${dash.token.endsWith('A') ? 'B' : 'A'}`;
  assert.is((await get(page, { authorization: `Bearer ${wrong}` })).status, 401);
  assert.is((await get(page, { authorization: 'Bearer short' })).status, 401);
  assert.is((await get(page, { cookie: `gt_dashboard_${dash.port}=${wrong}` })).status, 401);
  assert.is((await get(`${page}?token=${wrong}`)).status, 401);
  assert.is((await get(`${page}api/snapshot`, { authorization: `Bearer ${wrong}` })).status, 401);

  const ok = await get(page, { authorization: `Bearer ${dash.token}` });
  assert.is(ok.status, 200);
  assert.match(ok.headers.get('content-type') ?? '', /text\/html/);
  assert.match(ok.headers.get('content-security-policy') ?? '', /default-src 'self'/);
  assert.match(await ok.text(), /<title>gt dashboard<\/title>/);

  // The printed URL: the token goes into an HttpOnly, SameSite=Strict cookie and out of the address bar.
  const first = await get(dash.openUrl);
  assert.is(first.status, 303);
  assert.is(first.headers.get('location'), '/');
  const cookie = first.headers.get('set-cookie') ?? '';
  assert.match(cookie, new RegExp(`^gt_dashboard_${dash.port}=${dash.token};`));
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Strict/);
  assert.is((await get(page, { cookie: cookie.split(';')[0]! })).status, 200);
  // xterm.js is served from node_modules, not fetched from anywhere.
  const xterm = await get(`${page}assets/xterm.mjs`, { authorization: `Bearer ${dash.token}` });
  assert.is(xterm.status, 200);
  assert.match(await xterm.text(), /export\{\w+ as Terminal\}/);
});

test('WebSockets need the token too: none or a wrong one gets 401, another origin 403', async () => {
  const ws = dash.url.replace(/^http/, 'ws');
  assert.is(await upgradeStatus(`${ws}ws/live`), 401);
  assert.is(await upgradeStatus(`${ws}ws/term?agent=mayor`), 401);
  assert.is(await upgradeStatus(`${ws}ws/live`, { authorization: 'Bearer nope' }), 401);
  assert.is(await upgradeStatus(`${ws}ws/live`, { authorization: `Bearer ${dash.token}`, origin: 'http://evil.example' }), 403);
  assert.is(await upgradeStatus(`${ws}ws/live`, { authorization: `Bearer ${dash.token}` }), 101);
});

test('actions: only from the page\'s own origin, only as JSON, with their input validated', async () => {
  const post = (name: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${dash.url}api/actions/${name}`, { method: 'POST', headers: { authorization: `Bearer ${dash.token}`, 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  assert.is((await fetch(`${dash.url}api/actions/thaw`, { method: 'POST', body: '{}' })).status, 401);
  assert.is((await post('estop', {}, { origin: 'http://evil.example' })).status, 403);
  assert.not.ok(existsSync(join(town.root, 'ESTOP')), 'a cross-origin estop changed nothing');
  assert.is((await post('estop', {}, { 'content-type': 'text/plain' })).status, 415);
  assert.is((await post('reboot', {})).status, 404);
  const bad = await post('park', { rig: 'x', extra: 1 });
  assert.is(bad.status, 400);
  assert.match(((await bad.json()) as { error: { message: string } }).error.message, /unknown key "extra"/);
  const missing = await post('park', { rig: 'nosuch' });
  assert.is(missing.status, 404);
  assert.match(((await missing.json()) as { error: { message: string } }).error.message, /no rig "nosuch"/);
  // The same function as `gt estop`: the CLI sees what the page did.
  const set = await post('estop', { reason: 'from a test' }, { origin: dash.url.replace(/\/$/, '') });
  assert.is(set.status, 200);
  const status = JSON.parse((await gt(['estop', '--status', '--json', '--town', town.root])).stdout);
  assert.is(status.set, true);
  assert.is(status.reason, 'from a test');
  assert.is((await post('thaw', {})).status, 200);
  assert.not.ok(existsSync(join(town.root, 'ESTOP')));
});

test('--stop ends it; the next start takes the same port and token (open pages find it again)', async () => {
  const r = await gt(['dashboard', '--stop', '--json', '--town', town.root]);
  assert.is(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout), { stopped: true, pid: dash.pid, forced: false });
  await waitFor('the old dashboard gone', () => !pidRunning(dash.pid), 10_000);
  assert.is((await gt(['dashboard', '--stop', '--town', town.root])).stdout.trim(), 'dashboard is not running');
  const next = await startDashboard(town.root);
  assert.is.not(next.pid, dash.pid);
  assert.is(next.port, dash.port);
  assert.is(next.token, dash.token);
  dash = next;
});

test('the dashboard ends by itself when its town is removed', async () => {
  const { rmSync } = await import('node:fs');
  const other = await makeTown({ agent: 'sim' });
  const d2 = await startDashboard(other.root);
  rmSync(other.root, { recursive: true, force: true });
  await waitFor("the removed town's dashboard to exit", () => !pidRunning(d2.pid), 15_000);
  await other.cleanup();
  assert.ok(pidRunning(dash.pid), "this town's dashboard is unaffected");
});

test.run();

/**
 * Attach from the browser (Chromium + xterm.js on the page, node-pty + tmux on the server) to a
 * sim agent's real session: the page shows the session's screen; keys typed before "take
 * control" never reach the pane (dropped by the server, also when a client sends them directly);
 * keys typed after it do; closing the tab detaches and leaves the session and its agent running.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import WebSocket from 'ws';
import type { Browser, Page } from 'playwright-core';
import { gt, makeTown, townSocket, waitFor, type TempTown } from '../helpers/town.js';
import { artifactPath, launchBrowser, startDashboard, stopDashboard, type Dashboard } from '../helpers/browser.js';

let town: TempTown;
let socket: string;
let browser: Browser;
let page: Page;
let dash: Dashboard;

const tmux = (...args: string[]) => spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
const pane = () => tmux('capture-pane', '-p', '-J', '-t', '=hq-mayor:').stdout;
/** tmux clients attached to the mayor's session, with their read-only flag. */
const clients = () =>
  tmux('list-clients', '-t', '=hq-mayor', '-F', '#{client_pid} #{client_readonly}')
    .stdout.trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => ({ pid: Number(l.split(' ')[0]), readonly: l.split(' ')[1] === '1' }));
const mayorPanePid = () => Number(tmux('display-message', '-p', '-t', '=hq-mayor:', '#{pane_pid}').stdout.trim());
const termText = () => page.locator('#term .xterm-rows').innerText();

test.before(async () => {
  town = await makeTown({ agent: 'sim', settings: { daemon: { recovery_interval: '10m' } }, daemonSettings: { env: { GT_SIM_HEARTBEAT_INTERVAL: '1s' } } });
  socket = await townSocket(town.root);
  const up = await gt(['up', '--town', town.root]);
  if (up.code !== 0) throw new Error(up.stderr);
  await waitFor('the mayor prompt', () => pane().includes('gt-sim [mayor]>'), 20_000);
  dash = await startDashboard(town.root);
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  await page.goto(dash.openUrl);
  await page.waitForSelector('tr[data-identity="mayor"][data-liveness="alive"]');
});

test.after(async () => {
  await browser?.close().catch(() => undefined);
  await stopDashboard(town.root);
  await town.cleanup();
});

test("attach shows the session's screen, through a read-only tmux client", async () => {
  await page.click('tr[data-identity="mayor"] button[data-action="attach"]');
  await page.waitForSelector('#term-mode >> text=watching');
  await waitFor('the sim banner and prompt in the browser terminal', async () => {
    const t = await termText();
    return t.includes('gt-sim: mayor in session hq-mayor') && t.includes('gt-sim [mayor]>');
  }, 15_000, 100);
  assert.equal(clients().map((c) => c.readonly), [true]);
  assert.ok(await page.isVisible('#term-take'));
  await page.screenshot({ path: artifactPath('terminal-watching.png') });
});

test('keys typed while watching never reach the pane; after "take control" they do', async () => {
  await page.click('#term');
  await page.keyboard.type('typed-while-watching');
  await page.keyboard.press('Enter');
  await page.click('#term-take');
  await page.waitForSelector('#term-mode >> text=in control');
  await waitFor('a normal (not read-only) client', () => clients().length === 1 && !clients()[0]!.readonly, 10_000);
  await page.click('#term');
  await page.keyboard.type('typed-in-control');
  await page.keyboard.press('Enter');
  await waitFor('the sim to receive what was typed in control', () => pane().includes('received: typed-in-control'), 15_000);
  assert.not.ok(pane().includes('typed-while-watching'), 'nothing typed while watching reached the pane');
  await page.screenshot({ path: artifactPath('terminal-control.png') });
});

// Two layers hold this: the tmux client is read-only, and the server drops the keys before they
// reach it (that layer alone: test/unit/dashboard-terminal-bridge.test.ts).
test('keys a client sends straight over the socket while watching do not reach the pane either', async () => {
  const url = `${dash.url.replace(/^http/, 'ws')}ws/term?agent=mayor`;
  const ws = new WebSocket(url, { headers: { authorization: `Bearer ${dash.token}` } });
  const notices: Array<{ t: string; mode?: string }> = [];
  ws.on('message', (d, binary) => {
    if (!binary) notices.push(JSON.parse(d.toString()) as { t: string; mode?: string });
  });
  await waitFor('watching', () => notices.some((n) => n.t === 'ready' && n.mode === 'watch'), 10_000);
  ws.send(JSON.stringify({ t: 'in', d: 'sent-while-watching\r' }));
  ws.send(JSON.stringify({ t: 'take', cols: 100, rows: 30 }));
  await waitFor('in control', () => notices.some((n) => n.t === 'ready' && n.mode === 'control'), 10_000);
  ws.send(JSON.stringify({ t: 'in', d: 'sent-in-control\r' }));
  await waitFor('the controlled key reached the pane', () => pane().includes('received: sent-in-control'), 15_000);
  assert.not.ok(pane().includes('sent-while-watching'));
  ws.close();
});

test('closing the tab detaches: the session and its agent keep running', async () => {
  const pid = mayorPanePid();
  await waitFor('our clients attached', () => clients().length >= 1, 5_000);
  await page.close();
  await waitFor('no tmux client left on the session', () => clients().length === 0, 15_000);
  assert.is(tmux('has-session', '-t', '=hq-mayor').status, 0, 'the session lives on');
  assert.is(mayorPanePid(), pid, 'the same agent process');
  const rows = JSON.parse((await gt(['agents', '--json', '--town', town.root])).stdout) as Array<{ identity: string; liveness: string }>;
  assert.is(rows.find((r) => r.identity === 'mayor')?.liveness, 'alive');
});

test('attaching to an agent that does not exist: one error message, then the socket closes', async () => {
  const url = `${dash.url.replace(/^http/, 'ws')}ws/term?agent=nosuchrig/witness`;
  const ws = new WebSocket(url, { headers: { authorization: `Bearer ${dash.token}` } });
  const msg = await new Promise<{ t: string; message: string }>((resolve) => ws.on('message', (d) => resolve(JSON.parse(d.toString()) as { t: string; message: string })));
  assert.is(msg.t, 'error');
  assert.match(msg.message, /nosuchrig/);
  await new Promise((r) => ws.on('close', r));
});

test.run();

/**
 * The dashboard page in a real browser (Debian's Chromium, headless, driven by Playwright)
 * against a sim town with a daemon, a rig and a polecat at work: the agents table is
 * `gt agents --json`; a kill -9ed agent's row goes dead and comes back with no reload; the
 * merge queue, rigs and event feed follow the town live; actions are confirmed and run the
 * CLI's code; the page reconnects by itself after the daemon and the dashboard restart.
 * Screenshots (desktop and phone widths) are saved under test-artifacts/dashboard/.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { gt, makeTown, townSocket, waitFor, type TempTown } from '../helpers/town.js';
import { makeSourceRepo } from '../helpers/rig-repo.js';
import { artifactPath, launchBrowser, startDashboard, stopDashboard, type Dashboard } from '../helpers/browser.js';

let town: TempTown;
let socket: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let dash: Dashboard;
let bead: string;

const tmux = (...args: string[]) => spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
const gtOk = async (...args: string[]): Promise<string> => {
  const r = await gt([...args, '--town', town.root]);
  if (r.code !== 0) throw new Error(`gt ${args.join(' ')} exited ${r.code}: ${r.stderr}${r.stdout}`);
  return r.stdout;
};

interface CliRow {
  identity: string;
  role: string;
  rig: string | null;
  liveness: string;
  state: string | null;
  hook: string | null;
  crashes: number;
  pid: number | null;
}
const cliAgents = async (): Promise<CliRow[]> => JSON.parse(await gtOk('agents', '--json')) as CliRow[];

/**
 * The agents table as the page shows it, one record per row, in page order. A string, run in the
 * page as it is: functions handed to Playwright would carry this file's transpiler helpers.
 */
const ROWS_IN_PAGE = `[...document.querySelectorAll('#agents-body tr')].map((tr) => {
  const cell = (c) => (tr.querySelector('td[data-col="' + c + '"]')?.textContent ?? '').trim();
  return { identity: tr.dataset.identity, liveness: tr.dataset.liveness, state: tr.dataset.state, role: cell('role'), rig: cell('rig'), hook: cell('hook'), crashes: cell('crashes') };
})`;
interface PageRow {
  identity: string;
  liveness: string;
  state: string;
  role: string;
  rig: string;
  hook: string;
  crashes: string;
}
const pageRows = () => page.evaluate(ROWS_IN_PAGE) as Promise<PageRow[]>;
const expectedRows = (rows: CliRow[]) =>
  rows.map((a) => ({ identity: a.identity, liveness: a.liveness, state: a.state ?? '', role: a.role, rig: a.rig ?? '-', hook: a.hook ?? '-', crashes: String(a.crashes) }));

/** The mayor's agent process (the pane's gt-sim), or undefined while it is not running. */
function mayorPid(): number | undefined {
  const r = tmux('display-message', '-p', '-t', '=hq-mayor:', '#{pane_pid} #{pane_dead}');
  if (r.status !== 0) return undefined;
  const [pid, dead] = r.stdout.trim().split(' ');
  if (dead === '1') return undefined;
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'gt-sim' ? Number(pid) : undefined;
  } catch {
    return undefined;
  }
}

const daemonLog = (n: number) => readFileSync(join(town.root, 'daemon', 'daemon.log'), 'utf8').trimEnd().split('\n').slice(-n).join('\n');

/** Click an action button, then the confirm dialog's button (with text typed first, when asked). */
async function act(selector: string, text?: string): Promise<void> {
  await page.click(selector);
  await page.waitForSelector('#confirm[open]');
  if (text !== undefined) await page.fill('#confirm-input', text);
  await page.click('#confirm-ok');
  await page.waitForSelector('#confirm', { state: 'hidden' });
}

test.before(async () => {
  town = await makeTown({
    agent: 'sim',
    // The default recovery interval (3m): a death is restarted by the fast path and a backoff's
    // end by the daemon's deadline wake, never by the interval tick. Only the backoff is shortened
    // (default 30s) to keep the test short; the page reads the town on daemon actions and file
    // changes, never on ticks.
    // One polecat per rig: a second sling is queued (the queue section shows it).
    settings: { restart: { initial_backoff: '3s', max_backoff: '6s' }, rigs: { shop: { max_polecats: 1 } } },
    daemonSettings: { env: { GT_SIM_WORK: '0', GT_SIM_HEARTBEAT_INTERVAL: '1s' } },
  });
  socket = await townSocket(town.root);
  const src = join(town.root, '..', 'src-shop');
  makeSourceRepo(src);
  await gtOk('rig', 'add', 'shop', src, '--prefix', 'sh');
  await gtOk('up');
  bead = (JSON.parse(await gtOk('bead', 'create', '--rig', 'shop', '--title', 'Fix the login bug', '--json')) as { id: string }).id;
  await gtOk('sling', bead, 'shop');
  dash = await startDashboard(town.root);
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  const res = await page.goto(dash.openUrl);
  assert.is(res?.status(), 200);
  // The token left the address bar for a cookie.
  assert.is(page.url(), dash.url);
  await page.waitForSelector('#conn[data-state="live"]');
  // Set once: still there at the end means the page was never reloaded.
  await page.evaluate('window.loadedOnce = 1');
});

test.after(async () => {
  await browser?.close().catch(() => undefined);
  await stopDashboard(town.root);
  await town.cleanup();
});

const stillSamePage = async () => (await page.evaluate('window.loadedOnce')) === 1;

test('the agents table matches gt agents --json', async () => {
  // Let the town settle: every agent gt knows of is running.
  await waitFor('every agent alive', async () => (await cliAgents()).every((a) => a.liveness === 'alive'), 45_000, 250);
  let last: unknown;
  await waitFor(
    'the page to show what gt agents --json says',
    async () => {
      const [cli, shown] = await Promise.all([cliAgents(), pageRows()]);
      last = { cli: expectedRows(cli), shown };
      return JSON.stringify(expectedRows(cli)) === JSON.stringify(shown);
    },
    20_000,
    200,
  ).catch((e) => {
    throw new Error(`${(e as Error).message}\n${JSON.stringify(last, null, 2)}`);
  });
  const ids = (await pageRows()).map((r) => r.identity);
  for (const id of ['mayor', 'deacon', 'shop/witness', 'shop/refinery']) assert.ok(ids.includes(id), `${id} in ${ids.join(', ')}`);
  assert.ok(ids.some((id) => id.startsWith('shop/polecats/')), 'the slung polecat has a row');
  // The polecat at work is listed in the queue section, with its hook.
  await page.waitForSelector(`#dispatch-list li[data-kind="working"] >> text=${bead}`);
  assert.ok(await page.isVisible('#dispatch'));
  // Beyond the rig's cap a sling is queued: listed first, from the same read as gt sling --list.
  const next = (JSON.parse(await gtOk('bead', 'create', '--rig', 'shop', '--title', 'Queued behind it', '--json')) as { id: string }).id;
  assert.match(await gtOk('sling', next, 'shop'), /^queued /);
  await page.waitForSelector(`#dispatch-list li[data-kind="queued"] >> text=${next}`);
  const listed = await page.evaluate(`[...document.querySelectorAll('#dispatch-list li')].map((li) => li.dataset.kind)`) as string[];
  assert.equal(listed, ['queued', 'working'], 'queued beads, then polecats at work');
  // Nothing to attend to in this town: the section stays hidden.
  assert.not.ok(await page.isVisible('#attention'));
});

test('kill -9 of an agent: its row goes dead, then runs again, with no reload', async () => {
  const first = await waitFor('the mayor running', mayorPid, 20_000);
  process.kill(first, 'SIGKILL');
  // The first death is restarted at once; the second, after a short run, waits out the backoff (3s).
  const second = await waitFor('the mayor restarted', () => {
    const p = mayorPid();
    return p !== undefined && p !== first ? p : undefined;
  }, 30_000);
  await page.waitForSelector('tr[data-identity="mayor"][data-liveness="alive"]', { timeout: 20_000 });
  process.kill(second, 'SIGKILL');
  await page.waitForSelector('tr[data-identity="mayor"][data-liveness="dead"]', { timeout: 20_000 });
  assert.is((await page.textContent('tr[data-identity="mayor"] td[data-col="state"] .badge'))?.trim(), 'dead');
  await page.waitForSelector('tr[data-identity="mayor"][data-liveness="alive"]', { timeout: 30_000 }).catch(async (e) => {
    const row = (await cliAgents()).find((a) => a.identity === 'mayor');
    throw new Error(`${(e as Error).message}\ngt agents: ${JSON.stringify(row)}\npage: ${JSON.stringify((await pageRows()).find((r) => r.identity === 'mayor'))}\n${daemonLog(30)}`);
  });
  const third = await waitFor('the mayor running again', mayorPid, 10_000);
  assert.is.not(third, second);
  assert.ok(Number(await page.textContent('tr[data-identity="mayor"] td[data-col="crashes"]')) >= 1, 'crashes counted');
  // The daemon's own account of it reached the event feed.
  await page.waitForSelector('#feed-list li >> text=/fast path: (pane-exited|session-closed)/');
  await page.waitForSelector('#feed-list li >> text=/mayor/');
  assert.ok(await stillSamePage(), 'no reload');
});

test('clear backoff from the page: confirmed, then the daemon forgets the restarts (as gt daemon clear-backoff)', async () => {
  await page.waitForSelector('tr[data-identity="mayor"] button[data-action="clear-backoff"]:visible');
  // Cancel first: nothing happens.
  await page.click('tr[data-identity="mayor"] button[data-action="clear-backoff"]');
  await page.click('#confirm-cancel');
  assert.ok((await cliAgents()).find((a) => a.identity === 'mayor')!.crashes >= 1, 'cancel changed nothing');
  await act('tr[data-identity="mayor"] button[data-action="clear-backoff"]');
  await page.waitForSelector('#toast >> text=cleared mayor');
  await waitFor('gt agents to show no crashes for the mayor', async () => (await cliAgents()).find((a) => a.identity === 'mayor')!.crashes === 0, 10_000);
  await page.waitForSelector('tr[data-identity="mayor"] td[data-col="crashes"] >> text="0"');
});

test('nudge from the page types into the agent (the same nudge as gt nudge)', async () => {
  await act('tr[data-identity="mayor"] button[data-action="nudge"]', 'hello from the dashboard');
  await page.waitForSelector('#toast >> text=nudged hq-mayor');
  await waitFor('the sim to receive the nudge', () => tmux('capture-pane', '-p', '-t', '=hq-mayor:').stdout.includes('received: hello from the dashboard'), 15_000);
});

test('park and unpark a rig from the page; the CLI sees it, and the page follows a change made by the CLI', async () => {
  await act('#rigs-list li[data-rig="shop"] button[data-action="park"]');
  await page.waitForSelector('#rigs-list li[data-rig="shop"][data-state="parked"]');
  const rigs = JSON.parse(await gtOk('rig', 'list', '--json')) as Array<{ name: string; state: string }>;
  assert.is(rigs.find((r) => r.name === 'shop')?.state, 'parked');
  await act('#rigs-list li[data-rig="shop"] button[data-action="unpark"]');
  await page.waitForSelector('#rigs-list li[data-rig="shop"][data-state="active"]');
  // And the other way round: the CLI changes it, the page shows it (file watch, no polling).
  await gtOk('rig', 'dock', 'shop');
  await page.waitForSelector('#rigs-list li[data-rig="shop"][data-state="docked"]');
  await gtOk('rig', 'undock', 'shop');
  await page.waitForSelector('#rigs-list li[data-rig="shop"][data-state="active"]');
});

test('estop and thaw from the page', async () => {
  await act('#estop-btn', 'testing the dashboard');
  await page.waitForSelector('#estop-banner:visible');
  const status = JSON.parse(await gtOk('estop', '--status', '--json')) as { set: boolean; reason?: string };
  assert.is(status.set, true);
  assert.is(status.reason, 'testing the dashboard');
  assert.match((await page.textContent('#estop-banner')) ?? '', /testing the dashboard/);
  await act('#thaw-btn');
  await page.waitForSelector('#estop-banner', { state: 'hidden' });
  assert.is((JSON.parse(await gtOk('estop', '--status', '--json')) as { set: boolean }).set, false);
});

test('the merge queue follows the ledger live: an entry queued by the CLI appears without a reload', async () => {
  execFileSync('git', ['-C', join(town.root, 'shop', 'mayor', 'rig'), 'branch', 'polecat/demo'], { stdio: 'ignore' });
  const entry = JSON.parse(await gtOk('mq', 'submit', 'shop', 'demo', '--bead', bead, '--json')) as { id: string };
  await page.waitForSelector(`#mq-list li[data-id="${entry.id}"]`, { timeout: 15_000 });
  assert.match((await page.textContent(`#mq-list li[data-id="${entry.id}"]`)) ?? '', /polecat\/demo/);
});

test('attention and dispatch sections render what the read views give them, at the top, and hide when empty', async () => {
  // The layout with both kinds at once, rendered by the page's own renderer from a snapshot as
  // the server sends it (real questions and blocked agents: dashboard-questions.test.ts).
  const shown = await page.evaluate(`import('/assets/render.js').then((m) => {
    const base = window.__lastSnapshot;
    m.renderSnapshot({ ...base,
      attention: [
        { kind: 'question', id: 'q-1', from: 'shop/polecats/furiosa', text: 'Use the v2 API?', options: ['yes', 'no'], asked_at: new Date().toISOString() },
        { kind: 'needs_human', agent: 'shop/witness', reason: 'permission', since: new Date().toISOString() },
      ],
      dispatch: { queued: [{ id: 'sh-q1', rig: 'shop', title: 'Queued work', queued_at: new Date().toISOString() }], working: [] },
    });
    const main = [...document.querySelectorAll('main > section, main > div')].filter((e) => !e.hidden).map((e) => e.id || e.className);
    return { main, attention: document.getElementById('attention-list').innerText, dispatch: document.getElementById('dispatch-list').innerText };
  })`) as { main: string[]; attention: string; dispatch: string };
  await page.screenshot({ path: artifactPath('page-attention.png') });
  const afterHidden = await page.evaluate(`import('/assets/render.js').then((m) => {
    m.renderSnapshot(window.__lastSnapshot);
    return document.getElementById('attention').hidden;
  })`);
  assert.is(shown.main[0], 'attention', `attention first: ${shown.main.join(', ')}`);
  assert.match(shown.attention, /shop\/polecats\/furiosa asks: Use the v2 API\?/);
  assert.match(shown.attention, /shop\/witness needs a person: permission/);
  assert.match(shown.dispatch, /#1 queued\s+sh-q1\s+Queued work/);
  assert.ok(afterHidden, 'empty again: attention hidden');
});

test('screenshots at desktop and phone widths (test-artifacts/dashboard/)', async () => {
  await page.screenshot({ path: artifactPath('page-desktop.png'), fullPage: true });
  const phone = await context.newPage();
  await phone.setViewportSize({ width: 390, height: 844 });
  await phone.goto(dash.url);
  await phone.waitForSelector('#agents-body tr');
  // A phone never scrolls sideways: the table became one card per agent.
  const overflow = (await phone.evaluate('document.documentElement.scrollWidth - window.innerWidth')) as number;
  assert.ok(overflow <= 0, `page is ${overflow}px wider than the phone`);
  assert.not.ok(await phone.isVisible('#agents-table thead'));
  await phone.screenshot({ path: artifactPath('page-phone.png'), fullPage: true });
  await phone.close();
});

test('the page reconnects by itself after the daemon restarts and after the dashboard restarts', async () => {
  const before = (await page.textContent('#daemon')) ?? '';
  await gtOk('daemon', 'restart');
  const pid = Number((await gtOk('daemon', 'pid')).trim());
  await page.waitForSelector(`#daemon >> text="daemon pid ${pid}"`, { timeout: 30_000 });
  assert.is.not(before, `daemon pid ${pid}`);

  await stopDashboard(town.root);
  await page.waitForSelector('#conn[data-state="reconnecting"]', { timeout: 15_000 });
  dash = await startDashboard(town.root);
  await page.waitForSelector('#conn[data-state="live"]', { timeout: 30_000 });
  // Live again: a change after the reconnect shows up.
  await gtOk('rig', 'park', 'shop');
  await page.waitForSelector('#rigs-list li[data-rig="shop"][data-state="parked"]');
  await gtOk('rig', 'unpark', 'shop');
  assert.ok(await stillSamePage(), 'no reload');
});

test('a browser without the token gets 401 and no page', async () => {
  const stranger = await browser.newContext();
  const p = await stranger.newPage();
  const res = await p.goto(dash.url);
  assert.is(res?.status(), 401);
  assert.match((await p.textContent('body')) ?? '', /needs its token/);
  const wrong = await p.goto(`${dash.url}?token=not-the-token`);
  assert.is(wrong?.status(), 401);
  await stranger.close();
});

test.run();

/**
 * Questions on the dashboard page, in a real browser (Debian's Chromium, headless, Playwright)
 * against a sim town with a daemon: `gt ask` run inside the mayor's own tmux session (the sim runs
 * it as an agent's tool call runs it) shows at the top of the page with no reload; answering it
 * from the page (confirmed, the options offered as choices, checked by the server as `gt answer`
 * checks) wakes that `gt ask`, which prints the answer in the session; the question leaves the
 * page, as one answered from the CLI does. Meanwhile the asker's row says `blocked: question`
 * (its heartbeat file, via `gt agents`) and it is listed once, as its question. An agent blocked
 * on something else (a permission prompt its CLI's hook reported) is listed as needing a person.
 * Screenshots of the attention section and the answer dialog go to test-artifacts/dashboard/.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { REPO, gt, makeTown, townSocket, waitFor, type TempTown } from '../helpers/town.js';
import { artifactPath, launchBrowser, startDashboard, stopDashboard, type Dashboard } from '../helpers/browser.js';

let town: TempTown;
let socket: string;
let browser: Browser;
let page: Page;
let dash: Dashboard;

const tmux = (...args: string[]) => spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
/** The mayor's pane, wrapped lines joined, with its history. */
const mayorPane = () => tmux('capture-pane', '-p', '-J', '-S', '-300', '-t', '=hq-mayor:').stdout;
const gtOk = async (...args: string[]): Promise<string> => {
  const r = await gt([...args, '--town', town.root]);
  if (r.code !== 0) throw new Error(`gt ${args.join(' ')} exited ${r.code}: ${r.stderr}${r.stdout}`);
  return r.stdout;
};
interface OpenQuestion {
  id: string;
  from: string;
  text: string;
  options: string[] | null;
}
const cliQuestions = async () => JSON.parse(await gtOk('questions', '--json')) as OpenQuestion[];
interface Activity {
  state: string;
  reason?: string;
}
const mayorActivity = async () => (JSON.parse(await gtOk('agents', '--json')) as Array<{ identity: string; activity: Activity }>).find((a) => a.identity === 'mayor')!.activity;
const mayorBadge = async () => ((await page.textContent('tr[data-identity="mayor"] td[data-col="state"] .badge')) ?? '').trim();

/** The mayor's CLI reports an event through gt's agent hook, as Claude Code's hooks run it. */
function mayorHook(event: string, payload: object): void {
  const r = spawnSync('sh', [join(REPO, 'internal', 'agent', 'hooks', 'agent-hook.sh'), 'claude', event], {
    input: JSON.stringify(payload),
    env: { ...process.env, GT_TOWN_ROOT: town.root, GT_SESSION: 'hq-mayor' },
    encoding: 'utf8',
  });
  assert.is(r.status, 0, r.stderr);
}

/** The mayor (a sim) runs `gt ask ...` in its session, as an agent's tool call would; resolves with the question once recorded. */
async function mayorAsks(askArgs: string, text: string): Promise<OpenQuestion> {
  await gtOk('nudge', 'mayor', `run: gt ask ${askArgs}`);
  return waitFor(`the mayor's question "${text}" recorded`, async () => (await cliQuestions()).find((q) => q.text === text), 20_000, 100);
}

/** The sim prints a command's output and its exit when the command ends. */
const askEnded = (text: string) => new RegExp(`gt-sim: gt ask ${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} .*exited (\\d+)`);

const stillSamePage = async () => (await page.evaluate('window.loadedOnce')) === 1;

test.before(async () => {
  town = await makeTown({
    agent: 'sim',
    // The sims report when something happens (started, a command begins or ends), as a real CLI's
    // hooks do, not on a short timer that would write over the report gt ask makes while it waits.
    daemonSettings: { env: { GT_SIM_WORK: '0', GT_SIM_HEARTBEAT_INTERVAL: '10m' } },
  });
  socket = await townSocket(town.root);
  await gtOk('up');
  await waitFor('the mayor running', async () => (JSON.parse(await gtOk('agents', '--json')) as Array<{ identity: string; liveness: string }>).find((a) => a.identity === 'mayor')?.liveness === 'alive', 45_000, 250);
  await waitFor('the mayor at its prompt', () => mayorPane().includes('gt-sim [mayor]>'), 20_000);
  dash = await startDashboard(town.root);
  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
  page = await context.newPage();
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  assert.is((await page.goto(dash.openUrl))?.status(), 200);
  await page.waitForSelector('#conn[data-state="live"]');
  await page.waitForSelector('tr[data-identity="mayor"]');
  await page.evaluate('window.loadedOnce = 1');
});

test.after(async () => {
  await browser?.close().catch(() => undefined);
  await stopDashboard(town.root);
  await town.cleanup();
});

const SHIP = 'Ship the login fix to production now?';
let shipId: string;

test('gt ask inside the mayor\'s session shows at the top of the page, with no reload', async () => {
  assert.not.ok(await page.isVisible('#attention'), 'nothing to attend to yet');
  const q = await mayorAsks(`'${SHIP}' --options yes,no --timeout 5m`, SHIP);
  shipId = q.id;
  assert.is(q.from, 'mayor/');
  const item = `#attention-list li[data-kind="question"][data-id="${q.id}"]`;
  await page.waitForSelector(item, { timeout: 15_000 });
  // At the top: the first visible section of the page.
  const first = await page.evaluate(`[...document.querySelectorAll('main > section, main > div')].find((e) => !e.hidden)?.id`);
  assert.is(first, 'attention');
  const text = (await page.innerText(item)).replace(/\s+/g, ' ');
  assert.match(text, /mayor asks: Ship the login fix to production now\?/);
  assert.match(text, /answer: yes \/ no/);
  // The asker is blocked on its question (its heartbeat file, read by gt agents), and the page says
  // so in its row; in Attention it is listed once, as the question.
  await waitFor('gt agents: the mayor blocked: question', async () => {
    const a = await mayorActivity();
    return a.state === 'blocked' && a.reason === 'question';
  }, 15_000, 100);
  await waitFor('the row to say blocked: question', async () => (await mayorBadge()) === 'blocked: question', 15_000, 100);
  assert.is((await page.textContent('#attention-count'))?.trim(), '1');
  assert.is(await page.locator('#attention-list li').count(), 1);
  // The asker is still waiting: gt ask has not ended.
  assert.not.match(mayorPane(), askEnded(SHIP));
  await page.locator('#attention').screenshot({ path: artifactPath('attention-question.png') });
  assert.ok(await stillSamePage(), 'no reload');
});

test('the server checks an answer as gt answer does: not one of the options is refused, the question stays', async () => {
  // Straight to the server, as a page with a stale or tampered form would send it.
  const r = (await page.evaluate(`import('/assets/actions.js').then((m) => m.runAction('answer', { id: ${JSON.stringify(shipId)}, text: 'maybe' }))`)) as { error?: { code: string; message: string; hint?: string } };
  assert.is(r.error?.code, 'INVALID_INPUT');
  assert.match(r.error!.message, /"maybe" is not one of the options/);
  await page.waitForSelector('#toast[data-tone="bad"] >> text=/answer one of: yes, no/');
  const extra = (await page.evaluate(`import('/assets/actions.js').then((m) => m.runAction('answer', { id: ${JSON.stringify(shipId)}, text: 'yes', by: 'mayor' }))`)) as { error?: { code: string } };
  assert.is(extra.error?.code, 'INVALID_INPUT');
  // Said once: the toast does not repeat the action's name the server's line starts with.
  await page.waitForSelector('#toast >> text=/^answer: unknown key "by"/');
  assert.is((await cliQuestions()).length, 1, 'still open');
  assert.ok(await page.isVisible(`#attention-list li[data-id="${shipId}"]`));
  assert.not.match(mayorPane(), askEnded(SHIP));
});

test('answering from the page: confirmed, the options offered as choices; gt ask wakes and prints the answer; the question leaves the page', async () => {
  const button = `#attention-list li[data-id="${shipId}"] button[data-action="answer"]`;
  // Cancel first: nothing happens.
  await page.click(button);
  await page.waitForSelector('#confirm[open]');
  await page.click('#confirm-cancel');
  await page.waitForSelector('#confirm', { state: 'hidden' });
  assert.is((await cliQuestions()).length, 1, 'cancel answered nothing');

  await page.click(button);
  await page.waitForSelector('#confirm[open]');
  assert.is((await page.textContent('#confirm-title'))?.trim(), 'Answer mayor');
  assert.is((await page.textContent('#confirm-text'))?.trim(), SHIP);
  // The options are the choices; no free text field.
  assert.ok(await page.isVisible('#confirm-choices'));
  assert.not.ok(await page.isVisible('#confirm-input'));
  const choices = (await page.evaluate(`[...document.querySelectorAll('#confirm-choices input[type="radio"]')].map((e) => e.value)`)) as string[];
  assert.equal(choices, ['yes', 'no']);
  // Nothing picked: the dialog does not send.
  await page.click('#confirm-ok');
  assert.ok(await page.isVisible('#confirm[open]'), 'an answer must be picked');
  await page.check('#confirm-choices input[value="yes"]');
  await page.screenshot({ path: artifactPath('attention-answer-dialog.png') });
  await page.click('#confirm-ok');
  await page.waitForSelector('#confirm', { state: 'hidden' });
  await page.waitForSelector(`#toast >> text=answered ${shipId} (mayor/): yes`);

  // The asker woke: in the mayor's session gt ask printed the answer and exited 0.
  const ended = await waitFor('gt ask to end in the mayor\'s session', () => askEnded(SHIP).exec(mayorPane()), 15_000, 100);
  assert.is(ended[1], '0', mayorPane());
  const pane = mayorPane();
  assert.match(pane, /^yes$/m, pane);
  assert.match(pane, new RegExp(`gt: asked ${shipId}; waiting up to 5m`));
  // Gone from the page without a reload, and from gt questions; the mayor is no longer blocked.
  await page.waitForSelector('#attention', { state: 'hidden', timeout: 15_000 });
  assert.equal(await cliQuestions(), []);
  await waitFor('the row no longer blocked', async () => !(await mayorBadge()).startsWith('blocked'), 15_000, 100);
  assert.is.not((await mayorActivity()).state, 'blocked');
  assert.ok(await stillSamePage(), 'no reload');
});

test('a question without options is answered in free text', async () => {
  const text = 'Which branch should the fix be based on?';
  const q = await mayorAsks(`'${text}' --timeout 5m`, text);
  await page.waitForSelector(`#attention-list li[data-id="${q.id}"]`, { timeout: 15_000 });
  await page.click(`#attention-list li[data-id="${q.id}"] button[data-action="answer"]`);
  await page.waitForSelector('#confirm[open]');
  assert.not.ok(await page.isVisible('#confirm-choices'));
  await page.fill('#confirm-input', 'release/2.x, then cherry-pick to main');
  await page.click('#confirm-ok');
  await page.waitForSelector(`#toast >> text=answered ${q.id}`);
  const ended = await waitFor('gt ask to end', () => askEnded(text).exec(mayorPane()), 15_000, 100);
  assert.is(ended[1], '0');
  assert.match(mayorPane(), /^release\/2\.x, then cherry-pick to main$/m);
  await page.waitForSelector('#attention', { state: 'hidden', timeout: 15_000 });
});

test('a question answered from the CLI leaves the page too; answering it there afterwards says it was answered', async () => {
  const text = 'Delete the stale branches?';
  const q = await mayorAsks(`'${text}' --options yes,no --timeout 5m`, text);
  await page.waitForSelector(`#attention-list li[data-id="${q.id}"]`, { timeout: 15_000 });
  // The person opens the answer dialog, meanwhile someone answers from a terminal.
  await page.click(`#attention-list li[data-id="${q.id}"] button[data-action="answer"]`);
  await page.waitForSelector('#confirm[open]');
  await gtOk('answer', q.id, 'no');
  await page.waitForSelector('#attention', { state: 'hidden', timeout: 15_000 });
  await page.check('#confirm-choices input[value="yes"]');
  await page.click('#confirm-ok');
  await page.waitForSelector('#toast[data-tone="bad"] >> text=/already answered by overseer/');
  const ended = await waitFor('gt ask to end', () => askEnded(text).exec(mayorPane()), 15_000, 100);
  assert.is(ended[1], '0');
  assert.match(mayorPane(), /^no$/m);
  assert.ok(await stillSamePage(), 'no reload');
});

test('an agent blocked on a permission prompt (its CLI\'s hook reported it): its row says so and it is listed under Attention, live', async () => {
  mayorHook('Notification', { notification_type: 'permission_prompt', message: 'Claude needs your permission to use Bash' });
  await waitFor('the row to say blocked: permission', async () => (await mayorBadge()) === 'blocked: permission', 15_000, 100);
  const item = '#attention-list li[data-kind="needs_human"][data-agent="mayor"]';
  await page.waitForSelector(item, { timeout: 15_000 });
  assert.match((await page.innerText(item)).replace(/\s+/g, ' '), /mayor needs a person: permission/);
  assert.ok(await page.isVisible(`${item} button[data-action="attach"]`));
  const first = await page.evaluate(`[...document.querySelectorAll('main > section, main > div')].find((e) => !e.hidden)?.id`);
  assert.is(first, 'attention');
  // The attention section and the agents table under it.
  await page.screenshot({ path: artifactPath('attention-blocked.png') });
  // The person settled it in the terminal; the CLI's turn ends: no longer listed.
  mayorHook('Stop', {});
  await page.waitForSelector('#attention', { state: 'hidden', timeout: 15_000 });
  assert.is(await mayorBadge(), 'idle');
  assert.ok(await stillSamePage(), 'no reload');
});

test.run();

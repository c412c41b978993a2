/**
 * The channel to the person: `gt ask` run inside a real tmux session blocks (heartbeat file
 * `blocked`, reason `question`) until `gt answer`, then prints the answer on stdout and exits 0;
 * options are enforced; an unanswered question expires at its timeout or when the asker is
 * interrupted; the question is in `gt questions` and in the person's inbox (`overseer`).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GT_BIN, gt, makeTown, readJson, waitFor, type TempTown } from '../helpers/town.js';

let town: TempTown;
const socket = `gt-test-ask-${process.pid}`;
const tmux = (...args: string[]) => spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
const G = async (args: string[], env: NodeJS.ProcessEnv = {}) => gt([...args, '--town', town.root], { env });
const heartbeat = () => {
  const f = join(town.root, '.runtime', 'heartbeats', 'hq-mayor.json');
  return existsSync(f) ? readJson(f) : undefined;
};
const MAYOR = { GT_ROLE: 'mayor', GT_SESSION: 'hq-mayor' };

test.before(async () => {
  town = await makeTown({ agent: 'sim' });
});
test.after(async () => {
  tmux('kill-server');
  await town.cleanup();
});

test('gt ask inside a session blocks until gt answer, then prints the answer; heartbeat blocked: question meanwhile', async () => {
  const dir = join(town.root, '..');
  const out = join(dir, 'ask.out');
  const err = join(dir, 'ask.err');
  const rc = join(dir, 'ask.rc');
  // The way an agent's tool call runs it: a shell in the agent's session, output captured.
  const cmd = `${process.execPath} ${GT_BIN} ask 'Deploy to production now?' --options yes,no --timeout 2m >${out} 2>${err}; echo $? >${rc}`;
  const r = tmux('new-session', '-d', '-s', 'hq-mayor', '-e', `GT_TOWN_ROOT=${town.root}`, '-e', 'GT_ROLE=mayor', '-e', 'GT_SESSION=hq-mayor', '-e', 'NO_COLOR=1', cmd);
  assert.is(r.status, 0, r.stderr);

  const q = await waitFor('the question listed', async () => {
    const l = await G(['questions', '--json']);
    return (JSON.parse(l.stdout) as Array<{ id: string; from: string; text: string; options: string[] }>)[0];
  }, 20_000);
  assert.is(q.from, 'mayor/');
  assert.is(q.text, 'Deploy to production now?');
  assert.equal(q.options, ['yes', 'no']);
  await waitFor('heartbeat says blocked: question', () => heartbeat()?.state === 'blocked', 10_000);
  assert.is(heartbeat().reason, 'question');
  assert.is(heartbeat().question, q.id);
  // Still waiting: no answer yet, nothing printed.
  assert.not.ok(existsSync(rc));
  assert.is(readFileSync(out, 'utf8'), '');

  const human = await G(['questions']);
  assert.match(human.stdout, new RegExp(`^ID\\s+ASKED\\s+FROM\\s+EXPIRES\\s+QUESTION\\n${q.id}\\s+.*mayor/\\s+.*Deploy to production now\\? \\[yes/no\\]`));
  const inbox = JSON.parse((await G(['mail', 'inbox', 'overseer', '--json'])).stdout) as Array<{ id: string; from: string; subject: string }>;
  assert.ok(inbox.some((m) => m.id === q.id && m.from === 'mayor/' && m.subject === 'Deploy to production now?'), JSON.stringify(inbox));

  const bad = await G(['answer', q.id, 'maybe']);
  assert.is(bad.code, 1);
  assert.match(bad.stderr, /^gt: "maybe" is not one of the options of .* \(answer one of: yes, no\)\n$/);

  const ok = await G(['answer', q.id, 'YES']);
  const t0 = Date.now();
  assert.is(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, new RegExp(`answered ${q.id} \\(mayor/\\): yes`));
  await waitFor('the asker exits', () => existsSync(rc) && readFileSync(rc, 'utf8').trim() !== '', 10_000, 20);
  console.log(`figures: gt answer exited -> asker exited ${Date.now() - t0}ms`);
  assert.is(readFileSync(rc, 'utf8').trim(), '0', readFileSync(err, 'utf8'));
  assert.is(readFileSync(out, 'utf8'), 'yes\n', 'the answer (as the option is spelled) on stdout, nothing else');
  assert.match(readFileSync(err, 'utf8'), new RegExp(`asked ${q.id}; waiting up to 2m`));
  assert.is.not(heartbeat().state, 'blocked');
  assert.is(JSON.parse((await G(['questions', '--json'])).stdout).length, 0);
  const again = await G(['answer', q.id, 'no']);
  assert.is(again.code, 1);
  assert.match(again.stderr, /already answered by overseer/);
});

test('no answer in time: the question expires, exit 1 with one line; a late answer is refused', async () => {
  const r = await G(['ask', 'Anyone there?', '--timeout', '1s', '--json'], MAYOR);
  assert.is(r.code, 1);
  assert.match(r.stderr, /gt: no answer to (msg-\S+) within 1s; the question expired \(decide without it, or ask again later\)\n$/);
  const id = /no answer to (msg-\S+) /.exec(r.stderr)![1]!;
  assert.is.not(heartbeat().state, 'blocked');
  const late = await G(['answer', id, 'here']);
  assert.is(late.code, 1);
  assert.match(late.stderr, /expired .*stopped waiting/);
});

test('an interrupted asker withdraws its question and is no longer blocked', async () => {
  const child = spawn(process.execPath, [GT_BIN, 'ask', 'Long one?', '--town', town.root], { env: { ...process.env, ...MAYOR }, stdio: 'ignore' });
  const q = await waitFor('the question listed', async () => JSON.parse((await G(['questions', '--json'])).stdout)[0], 20_000);
  await waitFor('blocked', () => heartbeat()?.state === 'blocked' && heartbeat().question === q.id, 10_000);
  const code = await new Promise<number | null>((resolve) => {
    child.on('exit', (c) => resolve(c));
    child.kill('SIGTERM');
  });
  assert.is(code, 143);
  assert.is(JSON.parse((await G(['questions', '--json'])).stdout).length, 0);
  assert.is(heartbeat().state, 'working');
});

test('usage: outside a session, bad --options / --timeout: one line, exit 2', async () => {
  const outside = await G(['ask', 'hello?'], { GT_ROLE: '' });
  assert.is(outside.code, 2);
  assert.match(outside.stderr, /gt ask is for agents/);
  assert.is((await G(['ask', 'x', '--options', 'only'], MAYOR)).code, 2);
  assert.is((await G(['ask', 'x', '--timeout', 'soon'], MAYOR)).code, 2);
  for (const c of ['ask', 'answer', 'questions']) assert.match((await gt([c, '--help'])).stdout, new RegExp(`usage: gt ${c}`));
});

test.run();

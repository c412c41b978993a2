/**
 * `gt ask` from a real Claude Code polecat, offline against the scripted model: the agent runs
 * `gt ask` as a Bash tool call (with a tool timeout, as its role instructions say), the question is
 * open for the person (`gt questions`), the agent shows `blocked: question`, and the person's
 * `gt answer` reaches the model as that tool call's result.
 *
 * Claude cuts a Bash call at its default timeout (2 minutes) unless the call asks for a longer
 * one, up to BASH_MAX_TIMEOUT_MS (Claude's own cap 10 minutes; gt's preset raises it to cover
 * `gt ask --timeout`, at most 24h). Here the default is scaled down to 3 s in the agents' env and
 * the person answers only after it has passed twice over: the answer still arrives because the
 * call carries its own timeout. A second ask without a timeout shows what Claude Code 2.1 does
 * then: it moves the call to the background at the default and ends the turn (its Stop hook reports
 * idle); the question stays open, the agent reads `blocked: question` (not idle with work on its
 * hook, so no GUPP), and when the person answers Claude wakes the agent with a task notification
 * that carries the answer.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { startModelServer, type ModelServer } from '../../internal/modelserver/server.js';
import { makeTown, townSocket, waitFor, type TempTown } from '../helpers/town.js';
import { makeSourceRepo } from '../helpers/rig-repo.js';
import { assertAgentClis, claudeDoneOnce, gtAs, launcherEnv, makeAgentHome, modelEnv, type AgentHome } from '../helpers/real-agents.js';

let town: TempTown;
let home: AgentHome;
let server: ModelServer;
let socket: string;
let run: ReturnType<typeof gtAs>;
let bead: string;
const SCALED_DEFAULT_MS = 3_000;
const tmux = (...args: string[]) => spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
const pane = () => tmux('capture-pane', '-p', '-t', '=sh-furiosa:').stdout;

test.before(async () => {
  assertAgentClis('claude');
  home = makeAgentHome();
  claudeDoneOnce(home);
  town = await makeTown({ agent: 'sim', settings: { roles: { polecat: { agent: 'claude' } } } });
  socket = await townSocket(town.root);
  run = gtAs(launcherEnv(home));
  makeSourceRepo(join(town.root, '..', 'src'));
  const add = await run(['rig', 'add', 'shop', join(town.root, '..', 'src'), '--prefix', 'sh', '--town', town.root]);
  if (add.code !== 0) throw new Error(add.stderr);
  bead = JSON.parse((await run(['bead', 'create', '--rig', 'shop', '--title', 'Paint the widget', '--json', '--town', town.root])).stdout).id;
  server = await startModelServer({
    script: {
      agents: [
        {
          name: 'polecat',
          match: 'You are polecat furiosa of rig shop',
          steps: [
            // Primed: the role's instructions, which tell it how to ask the person, are in the request.
            {
              expect: 'gt ask',
              tool: { name: 'Bash', input: { command: 'gt ask "Red or blue widget?" --options red,blue --timeout 5m', timeout: 360_000, description: 'Ask the person' } },
            },
            { expect: 'blue', bash: 'gt ask "Glossy or matte?" --timeout 5m' },
            { text: 'Painted it blue.' },
            { expect: 'matte', text: 'Matte it is.' },
          ],
        },
      ],
    },
  });
  town.daemonSettings({ env: { ...modelEnv(server.url), BASH_DEFAULT_TIMEOUT_MS: String(SCALED_DEFAULT_MS) } });
});

test.after(async () => {
  await run(['down', '--town', town.root]).catch(() => undefined);
  tmux('kill-server');
  await server?.close();
  await town.cleanup();
  rmSync(home.dir, { recursive: true, force: true });
});

type Question = { id: string; from: string; text: string; options?: string[]; created_at: string };
type AgentJson = { identity: string; activity: { state: string; reason?: string; event?: string } };
const log = () => server.requests().filter((r) => r.agent === 'polecat');
const questions = async (): Promise<Question[]> => JSON.parse((await run(['questions', '--json', '--town', town.root])).stdout) as Question[];
const me = async (): Promise<AgentJson | undefined> =>
  (JSON.parse((await run(['agents', '--json', '--town', town.root])).stdout) as AgentJson[]).find((a) => a.identity === 'shop/polecats/furiosa');

test('a real Claude polecat asks the person; blocked: question while it waits past Claude\'s default Bash timeout; the answer is its tool result', async () => {
  assert.is((await run(['daemon', 'start', '--town', town.root])).code, 0);
  const s = await run(['sling', bead, 'shop', '--json', '--town', town.root], { timeoutMs: 90_000 });
  assert.is(s.code, 0, s.stderr + s.stdout);

  const [q] = await waitFor('the question open for the person', async () => {
    const qs = await questions();
    return qs.length ? qs : undefined;
  }, 120_000, 250).catch((e) => {
    throw new Error(`${e}\nrequests: ${JSON.stringify(log(), null, 1)}\npane:\n${pane()}`);
  });
  assert.is(q!.from, 'shop/polecats/furiosa');
  assert.is(q!.text, 'Red or blue widget?');
  assert.equal(q!.options, ['red', 'blue']);
  const blocked = await waitFor('the agent blocked on its question', async () => {
    const a = await me();
    return a?.activity.state === 'blocked' ? a : undefined;
  }, 30_000, 250);
  assert.is(blocked.activity.reason, 'question');

  // Still open, and the agent still waiting, well past the (scaled-down) default Bash timeout.
  const asked = Date.parse(q!.created_at);
  await waitFor('twice the default Bash timeout passed', () => Date.now() - asked > 2 * SCALED_DEFAULT_MS, 30_000, 250);
  assert.equal((await questions()).map((x) => x.id), [q!.id], 'the question is still open');
  assert.is((await me())?.activity.state, 'blocked');
  assert.is(log().length, 1, 'no new model request: the tool call is still running');

  const answer = await run(['answer', q!.id, 'blue', '--town', town.root]);
  assert.is(answer.code, 0, answer.stderr);
  const step1 = await waitFor('the answer back at the model as the tool result', () => log().find((r) => r.step === 1), 60_000, 250).catch((e) => {
    throw new Error(`${e}\nrequests: ${JSON.stringify(log(), null, 1)}\npane:\n${pane()}`);
  });
  assert.is(step1.answer, 'tool:Bash', JSON.stringify(step1));
  assert.match(step1.tool_results!.join('\n'), /\bblue\b/);
});

test('a gt ask whose tool call gives it no time: Claude moves it to the background at its default timeout; the question stays open and the answer still reaches the agent', async () => {
  const second = await waitFor('the second question open', async () => (await questions()).find((x) => x.text === 'Glossy or matte?'), 60_000, 200);
  const step2 = await waitFor('the turn ended on the backgrounded call', () => log().find((r) => r.step === 2), 60_000, 250).catch((e) => {
    throw new Error(`${e}\nrequests: ${JSON.stringify(log(), null, 1)}\npane:\n${pane()}`);
  });
  assert.match(step2.tool_results!.join('\n'), /background/i, 'Claude 2.1 backgrounds a Bash call at its default timeout');
  assert.equal((await questions()).map((x) => x.id), [second.id], 'the backgrounded gt ask still waits');
  // The turn ended (its Stop hook says idle), but the agent waits for the person: blocked, not idle.
  const waiting = await waitFor('blocked on its open question after the turn ended', async () => {
    const a = await me();
    return a?.activity.state === 'blocked' && a.activity.event === 'Stop' ? a : undefined;
  }, 30_000, 250);
  assert.is(waiting.activity.reason, 'question');
  const answer = await run(['answer', second.id, 'matte', '--town', town.root]);
  assert.is(answer.code, 0, answer.stderr);
  const step3 = await waitFor('the answer reached the model', () => log().find((r) => r.step === 3), 90_000, 250).catch((e) => {
    throw new Error(`${e}\nrequests: ${JSON.stringify(log(), null, 1)}\npane:\n${pane()}`);
  });
  // Claude wakes the agent with a task notification when the backgrounded call ends; the
  // answer is in that request (the script's expect), so the agent learns it without polling.
  assert.is(step3.answer, 'text', JSON.stringify(step3, null, 1));
  assert.match(step3.prompt ?? '', 'task-notification');
});

test.run();

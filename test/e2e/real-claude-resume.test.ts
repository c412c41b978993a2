/**
 * restart.resume for Claude Code, with the real CLI offline: with `agents.claude.restart.resume`
 * on, an agent killed mid-turn comes back with `--resume <session id>` (the id its SessionStart
 * hook recorded), so its next model request carries the previous conversation; with it off (the
 * default, tested in real-claude-polecat) a restart is a fresh, re-primed conversation.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
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
const tmux = (...args: string[]) => spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });

test.before(async () => {
  assertAgentClis('claude');
  home = makeAgentHome();
  claudeDoneOnce(home);
  town = await makeTown({
    agent: 'sim',
    settings: { daemon: { recovery_interval: '2s' }, roles: { polecat: { agent: 'claude' } }, agents: { claude: { restart: { resume: true } } } },
  });
  socket = await townSocket(town.root);
  run = gtAs(launcherEnv(home));
  makeSourceRepo(join(town.root, '..', 'src'));
  const add = await run(['rig', 'add', 'shop', join(town.root, '..', 'src'), '--prefix', 'sh', '--town', town.root]);
  if (add.code !== 0) throw new Error(add.stderr);
  server = await startModelServer({
    script: {
      agents: [
        {
          name: 'polecat',
          match: 'You are polecat furiosa',
          steps: [
            { say: 'Marker of the first conversation: zebra-42.', bash: 'gt hook' },
            { hold: 'first', text: 'never sent: killed first' },
            // The resumed conversation still holds what was said before the kill.
            { expect: 'zebra-42', hold: 'second', text: 'Resumed where I was.' },
          ],
        },
      ],
    },
  });
  town.daemonSettings({ env: { ...modelEnv(server.url), GT_SIM_HEARTBEAT_INTERVAL: '500ms' } });
});

test.after(async () => {
  await run(['down', '--town', town.root]).catch(() => undefined);
  tmux('kill-server');
  await server?.close();
  await town.cleanup();
  rmSync(home.dir, { recursive: true, force: true });
});

test('kill -9 mid-turn with restart.resume on: the restarted claude resumes its conversation by the id its hook recorded', async () => {
  const bead = JSON.parse((await run(['bead', 'create', '--rig', 'shop', '--title', 'Resume me', '--json', '--town', town.root])).stdout).id;
  assert.is((await run(['daemon', 'start', '--town', town.root])).code, 0);
  assert.is((await run(['sling', bead, 'shop', '--town', town.root], { timeoutMs: 90_000 })).code, 0);
  await waitFor('the first turn held', () => server.requests().some((r) => r.answer === 'held:first'), 90_000, 250);
  const id = readFileSync(join(town.root, '.runtime', 'agents', 'sh-furiosa', 'session-id'), 'utf8').trim();
  assert.match(id, /^[0-9a-f-]{36}$/);
  // Claude persists a turn's tool result to its transcript a moment after sending it to the model:
  // a kill before that resumes from before the tool call (the first answer, zebra-42, dropped with
  // its dangling tool use). The test is of gt's resume, so the kill waits for the transcript.
  const transcript = () => {
    const projects = join(home.dir, '.claude', 'projects');
    for (const d of existsSync(projects) ? readdirSync(projects) : []) {
      const f = join(projects, d, `${id}.jsonl`);
      if (existsSync(f)) return readFileSync(f, 'utf8');
    }
    return '';
  };
  await waitFor('the tool result in the transcript', () => transcript().includes('"tool_result"'), 60_000, 100);
  const pid = Number(tmux('display-message', '-p', '-t', '=sh-furiosa:', '#{pane_pid}').stdout.trim());
  assert.ok(pid > 0);
  process.kill(pid, 'SIGKILL');
  await waitFor('the resumed turn held', () => server.requests().some((r) => r.answer === 'held:second' || r.answer === 'expect-failed'), 120_000, 250).catch((e) => {
    throw new Error(`${e}\n${JSON.stringify(server.requests(), null, 1)}\npane:\n${tmux('capture-pane', '-p', '-t', '=sh-furiosa:').stdout}`);
  });
  assert.not.ok(server.requests().some((r) => r.answer === 'expect-failed'), JSON.stringify(server.requests(), null, 1));
  const cmd = tmux('display-message', '-p', '-t', '=sh-furiosa:', '#{pane_start_command}').stdout;
  assert.match(cmd, `'--resume' '${id}'`);
  server.release('second');
});

test.run();

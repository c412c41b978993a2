/**
 * A real Codex polecat, offline against the scripted model (OpenAI Responses API): slung a bead,
 * it is primed by the AGENTS.md gt writes in its worktree (kept out of git by .git/info/exclude),
 * runs `gt hook`, writes a file, commits with `git add -A`, runs `gt done`, and the refinery (the
 * sim, which runs `gt mq process` as a real refinery would) merges it onto main. Its hooks keep
 * the heartbeat file, and its app-server lives inside its own session's process tree.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { readProcEnviron, readProcTable } from '../../internal/fsx/proc.js';
import { startModelServer, type ModelServer } from '../../internal/modelserver/server.js';
import { makeTown, readJson, townSocket, waitFor, type TempTown } from '../helpers/town.js';
import { gitIn, makeSourceRepo } from '../helpers/rig-repo.js';
import { assertAgentClis, codexDoneOnce, gtAs, launcherEnv, makeAgentHome, modelEnv, type AgentHome } from '../helpers/real-agents.js';

let town: TempTown;
let home: AgentHome;
let server: ModelServer;
let socket: string;
let run: ReturnType<typeof gtAs>;
let bead: string;
const tmux = (...args: string[]) => spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
const pane = () => tmux('capture-pane', '-p', '-t', '=sh-furiosa:').stdout;

test.before(async () => {
  assertAgentClis('codex');
  home = makeAgentHome();
  town = await makeTown({ agent: 'sim', settings: { daemon: { recovery_interval: '2s' }, roles: { polecat: { agent: 'codex' } } } });
  socket = await townSocket(town.root);
  run = gtAs(launcherEnv(home));
  makeSourceRepo(join(town.root, '..', 'src'));
  const add = await run(['rig', 'add', 'shop', join(town.root, '..', 'src'), '--prefix', 'sh', '--town', town.root]);
  if (add.code !== 0) throw new Error(add.stderr);
  bead = JSON.parse((await run(['bead', 'create', '--rig', 'shop', '--title', 'Add the gadget', '--json', '--town', town.root])).stdout).id;
  server = await startModelServer({
    script: {
      agents: [
        {
          name: 'polecat',
          match: 'You are polecat furiosa of rig shop',
          steps: [
            // Primed: Codex sends the AGENTS.md gt wrote, with the role's instructions.
            { expect: 'AGENTS\\.md instructions[\\s\\S]*It marks your bead finished', bash: 'gt hook' },
            { expect: `${bead}\\s+Add the gadget`, write: { path: 'gadget.txt', content: 'a gadget\n' } },
            { hold: 'before-commit', bash: `git add -A && git -c user.email=furiosa@example.invalid commit -q -m "${bead}: add the gadget" && git show --stat --format=%s HEAD` },
            { bash: 'gt done' },
            { text: 'Done: the gadget is committed and queued for merge.' },
          ],
        },
      ],
    },
  });
  codexDoneOnce(home, server.url);
  town.daemonSettings({ env: { ...modelEnv(server.url), GT_SIM_HEARTBEAT_INTERVAL: '500ms' } });
});

test.after(async () => {
  await run(['down', '--town', town.root]).catch(() => undefined);
  tmux('kill-server');
  await server?.close();
  await town.cleanup();
  rmSync(home.dir, { recursive: true, force: true });
});

const log = () => server.requests().filter((r) => r.agent === 'polecat');

/** Processes carrying this session's marker (GT_SESSION) whose tree is not under the session's pane. */
function escapedFromPane(session: string): string[] {
  const table = readProcTable();
  const panePid = Number(tmux('display-message', '-p', '-t', `=${session}:`, '#{pane_pid}').stdout.trim());
  const under = (pid: number): boolean => {
    for (let p = pid, i = 0; p > 1 && i < 64; i++) {
      if (p === panePid) return true;
      p = table.get(p)?.ppid ?? 0;
    }
    return false;
  };
  const out: string[] = [];
  for (const p of table.values()) {
    if (p.state === 'Z' || under(p.pid)) continue;
    if (readProcEnviron(p.pid)?.get('GT_SESSION') === session && readProcEnviron(p.pid)?.get('GT_TMUX_SOCKET') === socket) out.push(`${p.pid} ${p.cmdline.join(' ')}`);
  }
  return out;
}

/** Codex's shared background app-server: a copy of codex under CODEX_HOME running `app-server`. */
function sharedAppServers(): string[] {
  return [...readProcTable().values()]
    .filter((p) => p.state !== 'Z' && p.cmdline.join(' ').includes(home.env.CODEX_HOME!) && p.cmdline.includes('app-server'))
    .map((p) => `${p.pid} ${p.cmdline.join(' ')}`);
}

test('a slung bead: the real Codex polecat is primed by AGENTS.md, runs gt hook, edits, commits, runs gt done; the refinery merges it', async () => {
  assert.is((await run(['daemon', 'start', '--town', town.root])).code, 0);
  const s = await run(['sling', bead, 'shop', '--json', '--town', town.root], { timeoutMs: 90_000 });
  assert.is(s.code, 0, s.stderr + s.stdout);
  const worktree = join(town.root, 'shop', 'polecats', 'furiosa');
  assert.match(readFileSync(join(worktree, 'AGENTS.md'), 'utf8'), 'You are polecat furiosa of rig shop');
  // The agent may already have written its gadget (a fast turn on a slow box, seen in CI): only that may show.
  const shown = gitIn(worktree, ['status', '--porcelain']).split('\n').filter((l) => l !== '' && l !== '?? gadget.txt');
  assert.equal(shown, [], 'AGENTS.md is not even untracked: it is excluded');
  assert.match(gitIn(worktree, ['check-ignore', '-v', 'AGENTS.md']), /info\/exclude/);

  // Held before the commit: the turn is working, its hooks reported, and Codex's app-server runs
  // inside the agent's own process tree (no shared background server outliving the session).
  await waitFor('the commit step held', () => log().some((r) => r.answer === 'held:before-commit'), 90_000, 250).catch((e) => {
    throw new Error(`${e}\n${JSON.stringify(log(), null, 1)}\npane:\n${pane()}`);
  });
  const hb = await waitFor('a working report from a Codex hook', () => {
    const h = readJson(join(town.root, '.runtime', 'heartbeats', 'sh-furiosa.json'));
    return h.state === 'working' && h.runtime === 'codex' ? h : undefined;
  }, 30_000, 100);
  assert.is(hb.event, 'PostToolUse');
  assert.equal(escapedFromPane('sh-furiosa'), [], 'no process of the session lives outside its pane tree');
  assert.equal(sharedAppServers(), [], 'no shared background app-server (its own process session, outliving the agent)');
  server.release('before-commit');

  const clone = join(town.root, 'shop', 'mayor', 'rig');
  await waitFor('gadget.txt merged onto main', () => gitIn(clone, ['ls-tree', '-r', '--name-only', 'main']).split('\n').includes('gadget.txt'), 120_000, 500).catch((e) => {
    throw new Error(`${e}\nrequests: ${JSON.stringify(log(), null, 1)}\npane:\n${pane()}`);
  });
  // The merge can land before the agent's last request (the answer to gt done's tool result)
  // reaches the model: wait for that final text turn, then check the whole sequence.
  await waitFor('the final text turn', () => log().some((r) => r.answer === 'text'), 60_000, 250).catch((e) => {
    throw new Error(`${e}\nrequests: ${JSON.stringify(log(), null, 1)}\npane:\n${pane()}`);
  });
  const steps = log().filter((r) => r.step !== undefined && !r.answer.startsWith('held'));
  assert.equal(steps.map((r) => r.answer), ['tool:exec_command', 'tool:exec_command', 'tool:exec_command', 'tool:exec_command', 'text'], JSON.stringify(log(), null, 1));
  assert.match(steps[1]!.tool_results!.join('\n'), bead);
  assert.match(steps[0]!.prompt ?? '', 'Run `gt hook` to see the work on your hook', 'started by the role\'s first prompt');
  // `git add -A` in the worktree did not take gt's AGENTS.md: the commit has the gadget only.
  assert.match(steps[3]!.tool_results!.join('\n'), /gadget\.txt \| 1 \+/);
  assert.not.match(steps[3]!.tool_results!.join('\n'), 'AGENTS.md');
  assert.equal(gitIn(clone, ['ls-tree', '-r', '--name-only', 'main']).split('\n').sort(), ['README.md', 'gadget.txt']);
  assert.is(JSON.parse((await run(['bead', 'show', bead, '--json', '--town', town.root])).stdout).status, 'closed');
  // Stop (a hook) and notify (the agent's own thread's turn complete) both say idle, in either order.
  const idle = await waitFor('idle after the turn (Stop hook or notify)', () => {
    const h = readJson(join(town.root, '.runtime', 'heartbeats', 'sh-furiosa.json'));
    return h.event === 'Stop' || h.event === 'notify' ? h : undefined;
  }, 30_000, 100).catch((e) => {
    throw new Error(`${e}\nheartbeat: ${readFileSync(join(town.root, '.runtime', 'heartbeats', 'sh-furiosa.json'), 'utf8')}\npane:\n${pane()}`);
  });
  assert.is(idle.state, 'idle');
  // Codex's conversation id was recorded by its SessionStart hook (for restart.resume and notify).
  assert.match(readFileSync(join(town.root, '.runtime', 'agents', 'sh-furiosa', 'session-id'), 'utf8'), /^[0-9a-f-]{36}\n$/);
});

test('gt down takes the whole Codex session with it', async () => {
  assert.is((await run(['down', '--town', town.root])).code, 0);
  assert.equal(sharedAppServers(), []);
  await waitFor('no process of the Codex session left', () => {
    for (const p of readProcTable().values()) {
      if (p.state !== 'Z' && readProcEnviron(p.pid)?.get('GT_SESSION') === 'sh-furiosa' && readProcEnviron(p.pid)?.get('GT_TMUX_SOCKET') === socket) return false;
    }
    return true;
  }, 30_000, 200);
});

test.run();

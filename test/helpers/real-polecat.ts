/**
 * One real-CLI polecat working a slung bead end to end, offline against the scripted model: a
 * town whose polecats run `runtime`, a rig, a bead, the scripted turn (gt hook, write a file,
 * commit held open, gt done, a closing text), and the checks every CLI must pass: primed by its
 * instruction file (kept out of git), working while the turn is held (its own hooks), the commit
 * merged by the refinery, idle after the turn.
 */
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startModelServer, type ModelServer } from '../../internal/modelserver/server.js';
import { makeTown, readJson, townSocket, waitFor, type TempTown } from './town.js';
import { gitIn, makeSourceRepo } from './rig-repo.js';
import { assertAgentClis, gtAs, launcherEnv, makeAgentHome, type AgentHome } from './real-agents.js';

export interface RealPolecat {
  town: TempTown;
  home: AgentHome;
  server: ModelServer;
  run: ReturnType<typeof gtAs>;
  bead: string;
  worktree: string;
  pane(): string;
  heartbeat(): Record<string, string>;
  close(): Promise<void>;
}

export interface RealPolecatOptions {
  runtime: 'gemini' | 'opencode';
  /** What a person does once for this CLI in its HOME (sign-in choice, provider). */
  doneOnce?(home: AgentHome): void;
  /** The agents' env in daemon.json: where the CLI finds the scripted model. */
  agentEnv(serverUrl: string): Record<string, string>;
}

export async function realPolecat(opts: RealPolecatOptions): Promise<RealPolecat> {
  assertAgentClis(opts.runtime);
  const home = makeAgentHome();
  opts.doneOnce?.(home);
  const town = await makeTown({ agent: 'sim', settings: { daemon: { recovery_interval: '2s' }, roles: { polecat: { agent: opts.runtime } } } });
  const socket = await townSocket(town.root);
  const run = gtAs(launcherEnv(home));
  makeSourceRepo(join(town.root, '..', 'src'));
  const add = await run(['rig', 'add', 'shop', join(town.root, '..', 'src'), '--prefix', 'sh', '--town', town.root]);
  if (add.code !== 0) throw new Error(add.stderr);
  const bead = JSON.parse((await run(['bead', 'create', '--rig', 'shop', '--title', 'Add the gadget', '--json', '--town', town.root])).stdout).id as string;
  const server = await startModelServer({
    script: {
      agents: [
        {
          name: 'polecat',
          match: 'You are polecat furiosa of rig shop',
          steps: [
            // Primed: the CLI sends the instruction file gt wrote, with the role's instructions.
            { expect: 'It marks your bead finished', bash: 'gt hook' },
            { expect: `${bead}\\s+Add the gadget`, bash: "printf 'a gadget\\n' > gadget.txt" },
            { hold: 'before-commit', bash: `git add -A && git -c user.email=furiosa@example.invalid commit -q -m "${bead}: add the gadget" && git show --stat --format=%s HEAD` },
            { bash: 'gt done' },
            { text: 'Done: the gadget is committed and queued for merge.' },
          ],
        },
      ],
    },
  });
  town.daemonSettings({ env: { ...opts.agentEnv(server.url), GT_SIM_HEARTBEAT_INTERVAL: '500ms' } });
  const tmux = (...args: string[]) => spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
  return {
    town,
    home,
    server,
    run,
    bead,
    worktree: join(town.root, 'shop', 'polecats', 'furiosa'),
    pane: () => tmux('capture-pane', '-p', '-t', '=sh-furiosa:').stdout,
    heartbeat: () => readJson(join(town.root, '.runtime', 'heartbeats', 'sh-furiosa.json')),
    async close() {
      await run(['down', '--town', town.root]).catch(() => undefined);
      tmux('kill-server');
      await server.close();
      await town.cleanup();
      rmSync(home.dir, { recursive: true, force: true });
    },
  };
}

export interface WorkExpectations {
  /** The instruction file gt writes in the worktree. */
  primingFile: string;
  /** The CLI's shell tool, as the scripted model calls it. */
  shellTool: string;
  /** Events that may report "working" while the turn is held, and the one that reports idle after it. */
  workingEvents: string[];
  idleEvent: string;
  timeoutMs?: number;
}

/** Sling the bead and follow the polecat through its turn to the merge, checking what every CLI must do. */
export async function workTheHook(p: RealPolecat, x: WorkExpectations): Promise<void> {
  const t = x.timeoutMs ?? 180_000;
  const log = () => p.server.requests().filter((r) => r.agent === 'polecat');
  assert.is((await p.run(['daemon', 'start', '--town', p.town.root])).code, 0);
  const s = await p.run(['sling', p.bead, 'shop', '--json', '--town', p.town.root], { timeoutMs: t });
  assert.is(s.code, 0, s.stderr + s.stdout);
  assert.match(readFileSync(join(p.worktree, x.primingFile), 'utf8'), 'You are polecat furiosa of rig shop');
  // The agent may already have written its gadget (a fast turn on a slow box): only that may show.
  const shown = gitIn(p.worktree, ['status', '--porcelain']).split('\n').filter((l) => l !== '' && l !== '?? gadget.txt');
  assert.equal(shown, [], `${x.primingFile} and gt's other files are excluded, not even untracked`);

  await waitFor('the commit step held', () => log().some((r) => r.answer === 'held:before-commit'), t, 250).catch((e) => {
    throw new Error(`${e}\n${JSON.stringify(log(), null, 1)}\nheartbeat: ${JSON.stringify(p.heartbeat())}\npane:\n${p.pane()}`);
  });
  const working = await waitFor('a working report from the CLI itself', () => {
    const h = p.heartbeat();
    return h.state === 'working' && x.workingEvents.includes(h.event ?? '') ? h : undefined;
  }, 30_000, 100).catch((e) => {
    throw new Error(`${e}\nheartbeat: ${JSON.stringify(p.heartbeat())}\npane:\n${p.pane()}`);
  });
  assert.ok(working.runtime, 'the report names its CLI');
  const agents = JSON.parse((await p.run(['agents', '--json', '--town', p.town.root])).stdout) as { identity: string; liveness: string }[];
  assert.is(agents.find((a) => a.identity === 'shop/polecats/furiosa')?.liveness, 'alive', 'recognised by its own process, not a bare interpreter');
  p.server.release('before-commit');

  const clone = join(p.town.root, 'shop', 'mayor', 'rig');
  await waitFor('gadget.txt merged onto main', () => gitIn(clone, ['ls-tree', '-r', '--name-only', 'main']).split('\n').includes('gadget.txt'), t, 500).catch((e) => {
    throw new Error(`${e}\nrequests: ${JSON.stringify(log(), null, 1)}\npane:\n${p.pane()}`);
  });
  // The merge and the CLI's closing request are independent: wait for the turn's last answer too.
  const steps = await waitFor('the closing text of the turn', () => {
    const done = log().filter((r) => r.step !== undefined && !r.answer.startsWith('held'));
    return done.some((r) => r.answer === 'text') ? done : undefined;
  }, t, 250).catch((e) => {
    throw new Error(`${e}\nrequests: ${JSON.stringify(log(), null, 1)}\npane:\n${p.pane()}`);
  });
  const tool = `tool:${x.shellTool}`;
  assert.equal(steps.map((r) => r.answer), [tool, tool, tool, tool, 'text'], JSON.stringify(log(), null, 1));
  // `git add -A` took the gadget only: none of gt's files.
  assert.match(steps[3]!.tool_results!.join('\n'), /gadget\.txt \| 1 \+/);
  assert.not.match(steps[3]!.tool_results!.join('\n'), x.primingFile);
  assert.equal(gitIn(clone, ['ls-tree', '-r', '--name-only', 'main']).split('\n').sort(), ['README.md', 'gadget.txt']);
  await waitFor('idle after the turn', () => {
    const h = p.heartbeat();
    return h.state === 'idle' && h.event === x.idleEvent ? h : undefined;
  }, 60_000, 100).catch((e) => {
    throw new Error(`${e}\nheartbeat: ${JSON.stringify(p.heartbeat())}\npane:\n${p.pane()}`);
  });
}

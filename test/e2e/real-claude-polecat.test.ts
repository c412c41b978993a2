/**
 * A real Claude Code polecat, offline against the scripted model: slung a bead, it is primed
 * (its SessionStart hook runs gt prime), runs `gt hook`, writes a file, commits, runs `gt done`,
 * and the refinery merges the branch onto main. The refinery is the sim: merging is
 * `gt mq process`, which the sim runs exactly as a real refinery would, and one real CLI per test
 * keeps the suite's time down. Its hooks keep the heartbeat file; `kill -9` of the real claude
 * brings it back primed again with its hook kept.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startModelServer, type ModelServer } from '../../internal/modelserver/server.js';
import { gtSync, makeTown, readJson, townSocket, waitFor, type TempTown } from '../helpers/town.js';
import { gitIn, makeSourceRepo } from '../helpers/rig-repo.js';
import { TEST_ANTHROPIC_KEY, assertAgentClis, claudeDoneOnce, gtAs, launcherEnv, makeAgentHome, modelEnv, type AgentHome } from '../helpers/real-agents.js';

let town: TempTown;
let home: AgentHome;
let server: ModelServer;
let socket: string;
let run: ReturnType<typeof gtAs>;
let bead: string;
let bead2: string;
const tmux = (...args: string[]) => spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
const pane = () => tmux('capture-pane', '-p', '-t', '=sh-furiosa:').stdout;

test.before(async () => {
  assertAgentClis('claude');
  home = makeAgentHome();
  claudeDoneOnce(home);
  town = await makeTown({ agent: 'sim', settings: { daemon: { recovery_interval: '2s' }, roles: { polecat: { agent: 'claude' } } } });
  socket = await townSocket(town.root);
  run = gtAs(launcherEnv(home));
  makeSourceRepo(join(town.root, '..', 'src'));
  const add = await run(['rig', 'add', 'shop', join(town.root, '..', 'src'), '--prefix', 'sh', '--town', town.root]);
  if (add.code !== 0) throw new Error(add.stderr);
  const created = await run(['bead', 'create', '--rig', 'shop', '--title', 'Add the widget', '--json', '--town', town.root]);
  bead = JSON.parse(created.stdout).id;
  bead2 = JSON.parse((await run(['bead', 'create', '--rig', 'shop', '--title', 'Polish the widget', '--json', '--town', town.root])).stdout).id;
  server = await startModelServer({
    script: {
      agents: [
        {
          name: 'polecat',
          match: 'You are polecat furiosa of rig shop',
          steps: [
            // Primed: the role's instructions (from the SessionStart hook's gt prime) are in the request.
            { expect: 'It marks your bead finished', bash: 'gt hook' },
            { expect: `${bead}\\s+Add the widget`, write: { path: 'widget.txt', content: 'a widget\n' } },
            { bash: `git add -A && git -c user.email=furiosa@example.invalid commit -q -m "${bead}: add the widget" && git log --oneline -1` },
            { say: 'Handing it to the refinery.', bash: 'gt done' },
            { text: 'Done: the widget is committed and queued for merge.' },
          ],
        },
        {
          name: 'nux',
          match: 'You are polecat nux of rig shop',
          steps: [
            { expect: 'You are polecat nux', bash: 'gt hook' },
            // The turn is held here: the agent is "working" until the test kills it.
            { hold: 'nux-first', text: 'never sent: the agent is killed first' },
            // The restarted claude: primed again by its SessionStart hook, and its hook still holds the bead.
            { expect: 'You are polecat nux', bash: 'gt hook' },
            { expect: 'Polish the widget', hold: 'nux-second', text: 'Still polishing; more later.' },
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

const log = () => server.requests().filter((r) => r.agent === 'polecat');

test('a slung bead: the real Claude polecat is primed, runs gt hook, edits, commits, runs gt done; the refinery merges it', async () => {
  const up = await run(['daemon', 'start', '--town', town.root]);
  assert.is(up.code, 0, up.stderr);
  const s = await run(['sling', bead, 'shop', '--json', '--town', town.root], { timeoutMs: 90_000 });
  assert.is(s.code, 0, s.stderr + s.stdout);
  assert.is(JSON.parse(s.stdout).session, 'sh-furiosa');
  // Never silent: what gt settled in Claude's own file is said.
  assert.equal(JSON.parse(s.stdout).settled, [`trusted ${join(town.root, 'shop', 'polecats', 'furiosa')} in ${join(home.dir, '.claude.json')}`]);
  // The second polecat (the kill -9 test below) is slung now, while furiosa works: once furiosa is
  // merged the daemon reaps it and its name would be free again.
  const s2 = await run(['sling', bead2, 'shop', '--json', '--town', town.root], { timeoutMs: 90_000 });
  assert.is(s2.code, 0, s2.stderr + s2.stdout);
  assert.is(JSON.parse(s2.stdout).polecat, 'nux');

  const clone = join(town.root, 'shop', 'mayor', 'rig');
  await waitFor(
    'widget.txt merged onto main',
    () => gitIn(clone, ['ls-tree', '-r', '--name-only', 'main']).split('\n').includes('widget.txt'),
    120_000,
    500,
  ).catch((e) => {
    throw new Error(`${e}\nrequests: ${JSON.stringify(log(), null, 1)}\npane:\n${pane()}`);
  });
  // The merge can land before the agent's last request (the answer to gt done's tool result)
  // reaches the model: wait for that final text turn, then check the whole sequence.
  await waitFor('the final text turn', () => log().some((r) => r.step === 4), 60_000, 250).catch((e) => {
    throw new Error(`${e}\nrequests: ${JSON.stringify(log(), null, 1)}\npane:\n${pane()}`);
  });
  const steps = log().filter((r) => r.step !== undefined);
  assert.equal(
    steps.slice(0, 5).map((r) => r.answer),
    ['tool:Bash', 'tool:Write', 'tool:Bash', 'tool:Bash', 'text'],
    JSON.stringify(log(), null, 1),
  );
  assert.ok(steps.every((r) => !r.error), JSON.stringify(steps, null, 1));
  // Started by the role's first prompt.
  assert.match(steps[0]!.prompt ?? '', 'Run `gt hook` to see the work on your hook');
  // gt hook's output reached the model as the tool result of step 0.
  assert.match(steps[1]!.tool_results!.join('\n'), bead);
  const shown = JSON.parse((await run(['bead', 'show', bead, '--json', '--town', town.root])).stdout);
  assert.is(shown.status, 'closed');
  const msg = gitIn(clone, ['log', '-1', '--format=%s', 'main']);
  assert.ok(gitIn(clone, ['log', '--format=%s', 'main']).includes(`${bead}: add the widget`), msg);
  // The instructions file gt gave no CLI here (Claude is primed by its hook) and nothing of gt's reached main.
  const onMain = gitIn(clone, ['ls-tree', '-r', '--name-only', 'main']).split('\n');
  assert.equal(onMain.sort(), ['README.md', 'widget.txt']);
  // gt settled the trust dialog for its own worktree in the HOME the agent ran with (the daemon's,
  // here the test's temp HOME), and left the person's own entries as they were.
  const claudeJson = JSON.parse(readFileSync(join(home.dir, '.claude.json'), 'utf8'));
  assert.is(claudeJson.projects[join(town.root, 'shop', 'polecats', 'furiosa')].hasTrustDialogAccepted, true);
  assert.is(claudeJson.hasCompletedOnboarding, true);
  assert.equal(claudeJson.customApiKeyResponses.approved, [TEST_ANTHROPIC_KEY.slice(-20)]);
});

test('the hooks keep the heartbeat file: idle after the turn, written by the Stop hook; done and merged, the polecat is reaped', async () => {
  const hbFile = join(town.root, '.runtime', 'heartbeats', 'sh-furiosa.json');
  const hb = await waitFor('a Stop event in the heartbeat file', () => {
    const h = readJson(hbFile);
    return h.event === 'Stop' ? h : undefined;
  }, 30_000, 100);
  assert.is(hb.state, 'idle');
  assert.is(hb.runtime, 'claude');
  assert.ok(hb.since, 'since when');
  // Done and merged: the daemon ends its session (reaping; gt agents shows it working then idle in the next test).
  await waitFor('furiosa reaped', () => tmux('has-session', '-t', '=sh-furiosa').status !== 0, 60_000, 250);
  // Claude's conversation id was recorded by SessionStart (for restart.resume).
  assert.match(readFileSync(join(town.root, '.runtime', 'agents', 'sh-furiosa', 'session-id'), 'utf8'), /^[0-9a-f-]{36}\n$/);
  assert.ok(existsSync(join(town.root, '.runtime', 'agents', 'sh-furiosa', 'claude-settings.json')));
});

type AgentJson = { identity: string; pid: number | null; last_exit: { crash: boolean } | null; activity: { state: string; event?: string; since: string | null } };
const agent = async (id: string): Promise<AgentJson | undefined> =>
  (JSON.parse((await run(['agents', '--json', '--town', town.root])).stdout) as AgentJson[]).find((a) => a.identity === id);

test('working while the script holds a turn; kill -9 of the real claude: back, primed again, hook kept; idle after the turn', async () => {
  const held = await waitFor('nux working inside its held turn', async () => {
    const a = await agent('shop/polecats/nux');
    return a?.activity.state === 'working' && server.requests().some((r) => r.agent === 'nux' && r.step === 1) ? a : undefined;
  }, 90_000, 250).catch((e) => {
    throw new Error(`${e}\n${JSON.stringify(server.requests().filter((r) => r.agent === 'nux'), null, 1)}\npane:\n${tmux('capture-pane', '-p', '-t', '=sh-nux:').stdout}\nagents: ${JSON.stringify(JSON.parse(gtSync(['agents', '--json', '--town', town.root]).stdout), null, 1)}`);
  });
  assert.is(held.activity.event, 'PostToolUse', 'the gt hook tool call reported progress');
  assert.ok(held.pid, 'the claude process');

  process.kill(held.pid!, 'SIGKILL');
  const back = await waitFor('the restarted claude working in its second held turn', async () => {
    const a = await agent('shop/polecats/nux');
    return a?.activity.state === 'working' && a.pid !== held.pid && server.requests().some((r) => r.agent === 'nux' && r.step === 3) ? a : undefined;
  }, 120_000, 250).catch((e) => {
    throw new Error(`${e}\n${JSON.stringify(server.requests().filter((r) => r.agent === 'nux'), null, 1)}\npane:\n${tmux('capture-pane', '-p', '-t', '=sh-nux:').stdout}`);
  });
  // The daemon saw its run end (and restarted it).
  assert.ok(back.last_exit !== null, JSON.stringify(back));
  const nux = server.requests().filter((r) => r.agent === 'nux' && r.step !== undefined);
  assert.ok(nux.every((r) => r.answer !== 'expect-failed'), JSON.stringify(nux, null, 1));
  // The second gt hook (after the restart) still showed the bead: the hook was kept.
  assert.match(nux.find((r) => r.step === 3)!.tool_results!.join('\n'), bead2);

  server.release('nux-second');
  const idle = await waitFor('nux idle after its turn', async () => {
    const a = await agent('shop/polecats/nux');
    return a?.activity.state === 'idle' ? a : undefined;
  }, 60_000, 100);
  assert.is(idle.activity.event, 'Stop');
  const hook = JSON.parse((await run(['bead', 'show', bead2, '--json', '--town', town.root])).stdout);
  assert.is(hook.status, 'hooked', 'the bead is still on the hook (no gt done in this script)');
});

test.run();

/**
 * Blocked agents under the daemon, with the four real CLIs (agent-clis/) offline in one town and
 * one fresh HOME (temp dir): each role runs another CLI and each stops at a screen only a person
 * may answer:
 *   - mayor    Claude Code: "Detected a custom API key" (onboarding done once, the key not approved);
 *   - deacon   Codex: its sign-in picker (no provider, no auth.json);
 *   - witness  Gemini CLI: its authentication picker (no sign-in chosen, no key);
 *   - refinery OpenCode: a permission prompt (permissions "ask"; the scripted model's first answer
 *              is a shell command).
 * The daemon reads their screens each tick and: shows each as blocked (`gt agents --json`,
 * `gt status`), mails the mayor exactly one NEEDS_HUMAN per agent and tells the person once per
 * agent (the notifier's command), refuses every nudge, and restarts nothing over many ticks —
 * though the deacon's heartbeat is very stale with work in flight, which otherwise restarts it.
 * This test alone shortens recovery_interval (500ms) and the deacon's staleness (1s/2s), so
 * "many ticks" take seconds.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startModelServer, type ModelServer } from '../../internal/modelserver/server.js';
import { makeSourceRepo } from '../helpers/rig-repo.js';
import { assertAgentClis, gtAs, launcherEnv, makeAgentHome, TEST_ANTHROPIC_KEY, type AgentHome } from '../helpers/real-agents.js';
import { GT_BIN, makeTown, readJson, waitFor, type TempTown } from '../helpers/town.js';

const AGENTS: Record<string, { cli: string; reason: string }> = {
  mayor: { cli: 'claude', reason: 'api-key' },
  deacon: { cli: 'codex', reason: 'login' },
  'shop/witness': { cli: 'gemini', reason: 'login' },
  'shop/refinery': { cli: 'opencode', reason: 'permission' },
};

let town: TempTown;
let home: AgentHome;
let server: ModelServer;
let run: ReturnType<typeof gtAs>;
let notified: string;

interface Row {
  identity: string;
  pid: number | null;
  liveness: string;
  activity: { state: string; reason?: string; screen?: string; source: string };
}

const agents = async (): Promise<Row[]> => JSON.parse((await run(['agents', '--json', '--town', town.root])).stdout) as Row[];
const logLines = () => readFileSync(join(town.root, 'daemon', 'daemon.log'), 'utf8').split('\n').filter(Boolean);
const tickCount = () => readJson(join(town.root, 'daemon', 'state.json')).tick_count as number;
const needsHuman = async () =>
  (JSON.parse((await run(['mail', 'inbox', 'mayor/', '--all', '--json', '--town', town.root])).stdout) as { subject: string; from: string }[]).filter((m) =>
    m.subject.startsWith('NEEDS_HUMAN:'),
  );
const notifications = () =>
  readdirSync(notified)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(notified, f), 'utf8')) as { kind: string; agent?: string; title: string });

test.before(async () => {
  assertAgentClis('claude', 'codex', 'gemini', 'opencode');
  home = makeAgentHome();
  // What a person did once for Claude Code: its onboarding. The key in its env is not approved.
  writeFileSync(join(home.dir, '.claude.json'), `${JSON.stringify({ hasCompletedOnboarding: true }, null, 2)}\n`);
  server = await startModelServer({ script: { steps: [{ bash: 'touch refinery-was-allowed.txt', times: 100 }] } });
  notified = join(home.dir, 'notified');
  mkdirSync(notified);
  town = await makeTown({
    agent: 'sim',
    settings: {
      daemon: { recovery_interval: '500ms' },
      deacon: { grace: '300ms', stale_after: '1s', very_stale_after: '2s', boot_cooldown: '1h' },
      agents: {
        idlesim: { command: process.execPath, args: [GT_BIN, 'sim'], process_names: ['gt-sim'], env: { GT_SIM_WORK: '0' } },
        opencode: { permissions: 'ask' },
      },
      roles: { mayor: { agent: 'claude' }, deacon: { agent: 'codex' }, witness: { agent: 'gemini' }, refinery: { agent: 'opencode' }, polecat: { agent: 'idlesim' } },
      // The person is told through a command: each event (JSON on its stdin) into a file of its own.
      notify: { command: ['/bin/sh', '-c', 'cat > "$0/n-$$.tmp" && mv "$0/n-$$.tmp" "$0/n-$$.json"', notified] },
    },
  });
  town.daemonSettings({
    env: {
      DISABLE_AUTOUPDATER: '1',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      // Claude Code stops at the key dialog before any request; nothing answers here.
      ANTHROPIC_BASE_URL: 'http://127.0.0.1:9',
      ANTHROPIC_API_KEY: TEST_ANTHROPIC_KEY,
      OPENCODE_CONFIG_CONTENT: JSON.stringify({
        model: 'scripted/scripted-model',
        permission: { bash: 'ask' },
        provider: { scripted: { npm: '@ai-sdk/anthropic', name: 'gt scripted model', options: { baseURL: `${server.url}/v1`, apiKey: 'gt-test-key' }, models: { 'scripted-model': { name: 'Scripted', tool_call: true } } } },
      }),
      OPENCODE_DISABLE_MODELS_FETCH: '1',
      OPENCODE_DISABLE_LSP_DOWNLOAD: '1',
    },
    patrols: { boot: { enabled: false } },
  });
  run = gtAs(launcherEnv(home));
  makeSourceRepo(join(town.root, '..', 'src'));
  const add = await run(['rig', 'add', 'shop', join(town.root, '..', 'src'), '--prefix', 'sh', '--town', town.root]);
  if (add.code !== 0) throw new Error(add.stderr);
});

test.after(async () => {
  await town?.cleanup();
  await server?.close();
  if (home) rmSync(home.dir, { recursive: true, force: true });
});

test('four real CLIs at blocking screens under the daemon: blocked, one NEEDS_HUMAN each, nudges refused, nothing restarted', async () => {
  const started = await run(['daemon', 'start', '--town', town.root]);
  assert.is(started.code, 0, started.stderr);
  // Work in flight (a polecat with a hooked bead): the deacon's stale heartbeat would count.
  const bead = JSON.parse((await run(['bead', 'create', '--rig', 'shop', '--title', 'Needs a patrol', '--json', '--town', town.root])).stdout).id as string;
  assert.is((await run(['sling', bead, 'shop', '--town', town.root])).code, 0);

  const blocked = await waitFor(
    'all four agents blocked at their screens',
    async () => {
      const rows = await agents();
      const all = Object.keys(AGENTS).map((id) => rows.find((r) => r.identity === id));
      return all.every((r) => r?.activity.state === 'blocked') ? (all as Row[]) : undefined;
    },
    240_000,
    500,
  ).catch(async (e) => {
    throw new Error(`${e}\n${JSON.stringify(await agents(), null, 1)}\n${logLines().slice(-40).join('\n')}`);
  });
  for (const r of blocked) {
    assert.is(r.activity.reason, AGENTS[r.identity]!.reason, `${r.identity}: ${JSON.stringify(r.activity)}`);
    assert.is(r.activity.source, 'screen');
    assert.ok(r.activity.screen, 'the screen by name');
    assert.is(r.liveness, 'alive');
  }
  const pids = Object.fromEntries(blocked.map((r) => [r.identity, r.pid]));

  // One NEEDS_HUMAN mail per agent, and one notification each.
  await waitFor('four NEEDS_HUMAN mails', async () => (await needsHuman()).length >= 4, 60_000, 250);
  await waitFor('four NEEDS_HUMAN notifications', () => notifications().filter((n) => n.kind === 'NEEDS_HUMAN').length >= 4, 60_000, 250);

  // Nudges refused, naming the screen.
  for (const r of blocked) {
    const n = await run(['nudge', r.identity, 'please continue', '--town', town.root]);
    assert.is(n.code, 1, `${r.identity}: ${n.stdout} ${n.stderr}`);
    assert.is(n.stderr.trim(), `gt: refused: ${r.identity} is at ${r.activity.screen}; a person must answer it (gt attach ${r.identity})`);
  }

  // Many ticks later: the same processes, the same screens, still one mail and one notification each.
  const t0 = tickCount();
  await waitFor('12 more ticks', () => tickCount() >= t0 + 12, 120_000, 200);
  const later = await agents();
  for (const id of Object.keys(AGENTS)) {
    const r = later.find((x) => x.identity === id)!;
    assert.is(r.activity.state, 'blocked', `${id} still blocked`);
    assert.is(r.pid, pids[id], `${id} not restarted`);
  }
  const mails = await needsHuman();
  assert.equal(mails.map((m) => m.subject).sort(), Object.entries(AGENTS).map(([id, a]) => `NEEDS_HUMAN: ${id}: ${a.reason}`).sort());
  const told = notifications().filter((n) => n.kind === 'NEEDS_HUMAN');
  assert.equal(told.map((n) => n.agent).sort(), Object.keys(AGENTS).sort());
  const log = logLines();
  // (act's own lines: "restarted <agent> (...)", "killed <agent> (...)", "marked <agent> dead", "nudged <agent>: ...")
  assert.equal(log.filter((l) => /\s(INFO|WARN)\s+(restarted|killed|marked|nudged) \S+/.test(l)), [], 'nothing restarted, killed, marked or nudged');
  assert.equal(log.filter((l) => /\sWARN\s+.* is blocked \(/.test(l)).length, 4, 'one log line per episode');
  assert.not.ok(existsSync(join(town.root, 'shop', 'refinery', 'rig', 'refinery-was-allowed.txt')), "OpenCode's command was not allowed");

  // gt status names them.
  const status = await run(['status', '--town', town.root]);
  for (const [id, a] of Object.entries(AGENTS)) assert.match(status.stdout, `NEEDS_HUMAN: ${id}: ${a.reason} (`);
  const json = JSON.parse((await run(['status', '--json', '--town', town.root])).stdout) as { needs_human: { agent: string; reason: string }[] };
  assert.equal(json.needs_human.map((n) => `${n.agent}: ${n.reason}`).sort(), Object.entries(AGENTS).map(([id, a]) => `${id}: ${a.reason}`).sort());
});

test.run();

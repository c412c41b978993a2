/**
 * The daemon's nudges never answer a dialog: the deacon is the real Claude Code (agent-clis/,
 * offline, its own temp HOME), stopped at "Detected a custom API key" (Enter there means "No
 * (recommended)", saved to its config). Its heartbeat goes stale while work is in flight, so the
 * daemon sends HEALTH_CHECK and boot triage runs `gt nudge deacon BOOT_CHECK`. Over many ticks
 * nothing is typed into the dialog, the key is neither approved nor rejected, and every nudge the
 * daemon attempted is logged as refused, naming the screen.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { recognizeScreen } from '../../internal/agent/screens/index.js';
import { Tmux } from '../../internal/tmux/index.js';
import { screenText } from '../helpers/screen-capture.js';
import { AGENT_CLIS, CLAUDE_KEY, baseEnv } from '../helpers/screen-scenarios.js';
import { makeSourceRepo } from '../helpers/rig-repo.js';
import { GT_BIN, gt, makeTown, readJson, townSocket, waitFor, type TempTown } from '../helpers/town.js';

let town: TempTown;
let tmux: Tmux;
let home: string;
const logLines = () => readFileSync(join(town.root, 'daemon', 'daemon.log'), 'utf8').split('\n').filter(Boolean);
const tickCount = () => readJson(join(town.root, 'daemon', 'state.json')).tick_count as number;
const keyResponses = () => (JSON.parse(readFileSync(join(home, '.claude.json'), 'utf8')) as { customApiKeyResponses?: unknown }).customApiKeyResponses;

test.before(async () => {
  town = await makeTown({
    agent: 'sim',
    settings: {
      daemon: { recovery_interval: '250ms' },
      deacon: { grace: '300ms', stale_after: '1s', very_stale_after: '1h', boot_cooldown: '1h' },
      agents: { idlesim: { command: process.execPath, args: [GT_BIN, 'sim'], process_names: ['gt-sim'], env: { GT_SIM_WORK: '0' } } },
      roles: { deacon: { agent: 'claude' }, polecat: { agent: 'idlesim' }, mayor: { enabled: false } },
    },
  });
  home = join(town.root, '..', 'claude-home');
  mkdirSync(home, { recursive: true });
  // Onboarded, every directory trusted: the one screen left is the API key it finds in its env.
  writeFileSync(join(home, '.claude.json'), `${JSON.stringify({ hasCompletedOnboarding: true, projects: { [join(town.root, 'deacon')]: { hasTrustDialogAccepted: true } } }, null, 2)}\n`);
  const env = baseEnv(home);
  town.daemonSettings({
    env: {
      HOME: home,
      XDG_CONFIG_HOME: env.XDG_CONFIG_HOME!,
      XDG_DATA_HOME: env.XDG_DATA_HOME!,
      XDG_STATE_HOME: env.XDG_STATE_HOME!,
      XDG_CACHE_HOME: env.XDG_CACHE_HOME!,
      DISABLE_AUTOUPDATER: '1',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      // Nothing answers here: no turn is ever sent, the dialog comes first.
      ANTHROPIC_BASE_URL: 'http://127.0.0.1:9',
      ANTHROPIC_API_KEY: CLAUDE_KEY,
    },
    patrols: { witness: { enabled: false }, refinery: { enabled: false } },
  });
  makeSourceRepo(join(town.root, '..', 'src'));
  const add = await gt(['rig', 'add', 'shop', join(town.root, '..', 'src'), '--prefix', 'sh', '--town', town.root]);
  if (add.code !== 0) throw new Error(add.stderr);
  tmux = new Tmux(await townSocket(town.root), { timeoutMs: 20_000 });
});
test.after(async () => town.cleanup());

test("a stale deacon at Claude Code's API key dialog, work in flight: the daemon's and boot's nudges are refused, nothing is pressed", async () => {
  const started = await gt(['daemon', 'start', '--town', town.root], { env: { PATH: `${join(AGENT_CLIS, '.bin')}:${process.env.PATH}` } });
  assert.is(started.code, 0, started.stderr);
  const screen = await waitFor(
    'the deacon at its API key dialog',
    async () => {
      const text = await screenText(tmux, 'hq-deacon').catch(() => '');
      return recognizeScreen('claude', text)?.kind === 'api-key' ? text : undefined;
    },
    60_000,
    250,
  );
  assert.ok(/Detected a custom API key/.test(screen));
  const before = keyResponses();
  // Work in flight: a polecat with a hooked bead. The deacon never beats: stale after 1s.
  const bead = JSON.parse((await gt(['bead', 'create', '--rig', 'shop', '--title', 'Needs a patrol', '--json', '--town', town.root])).stdout).id;
  assert.is((await gt(['sling', bead, 'shop', '--town', town.root])).code, 0);
  const refused = () => logLines().filter((l) => /refused: deacon is at Claude Code's "Detected a custom API key" confirmation; a person must answer it \(gt attach deacon\)/.test(l));
  await waitFor('a refused nudge in the daemon log', () => refused().length > 0, 60_000, 200);
  const t0 = tickCount();
  await waitFor('10 more ticks', () => tickCount() >= t0 + 10, 60_000, 100);
  const text = await screenText(tmux, 'hq-deacon');
  assert.is(recognizeScreen('claude', text)?.kind, 'api-key', `still at the dialog:\n${text}`);
  assert.not.ok(/HEALTH_CHECK|BOOT_CHECK/.test(text), 'no nudge text typed into the dialog');
  assert.equal(keyResponses(), before, 'the key was neither approved nor rejected');
  // Every nudge the daemon attempted was refused: none was logged as delivered.
  assert.equal(logLines().filter((l) => /nudged deacon/.test(l)), []);
});

test.run();

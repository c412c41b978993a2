/**
 * Nudges refuse at blocking screens, with the real CLIs (agent-clis/) offline, each brought to a
 * screen that one Enter would answer for the person:
 *   - Claude Code's "Detected a custom API key" (Enter = "No (recommended)", saved to ~/.claude.json)
 *     and its folder trust dialog (Enter = trust);
 *   - Codex's sign-in picker at a fresh CODEX_HOME (Enter = start a ChatGPT sign-in);
 *   - Gemini CLI's folder trust dialog (Enter = trust, written to trustedFolders.json);
 *   - OpenCode's permission prompt (Enter = "Allow once": the command runs).
 * `gt nudge` says which screen and exits 1; the screen is still there, the text was never typed,
 * and the CLI's config (or the command's effect) is unchanged. The daemon's HEALTH_CHECK nudges go
 * through the same primitive with the same guard (internal/daemon/engine/act-agents.ts; test/integration/act-nudge-guard.test.ts); it is checked
 * directly on Claude Code's trust dialog.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { nudgeGuard, recognizeScreen } from '../../internal/agent/screens/index.js';
import { NudgeRefusedError, Tmux, nudge } from '../../internal/tmux/index.js';
import { runScenario, screenText, stopRun, type ScenarioRun } from '../helpers/screen-capture.js';
import { FIXTURE_COMMAND } from '../helpers/fixture-model.js';
import { SCENARIOS, type CliName } from '../helpers/screen-scenarios.js';
import { gt, makeTown, tempDir, townSocket, type TempTown } from '../helpers/town.js';

const dir = tempDir('gt-screens-nudge-');
const cleanups: (() => Promise<void>)[] = [];
test.after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
});

interface AtScreen {
  town: TempTown;
  tmux: Tmux;
  run: ScenarioRun;
}

/** A town whose deacon runs `cli`, its session brought to the scenario's screen `screen`. */
async function deaconAt(cli: CliName, scenario: string, screen: string): Promise<AtScreen> {
  const town = await makeTown({ agent: cli });
  const tmux = new Tmux(await townSocket(town.root), { timeoutMs: 20_000 });
  const s = SCENARIOS.find((x) => x.cli === cli && x.name === scenario);
  assert.ok(s, `${cli} scenario ${scenario}`);
  const run = await runScenario({ tmux, scenario: s!, dir: join(dir, `${cli}-${scenario}`), session: 'hq-deacon', width: 120, height: 40, stopAfter: screen, timeoutMs: 90_000 });
  cleanups.push(async () => {
    await stopRun(tmux, run);
    await town.cleanup();
  });
  return { town, tmux, run };
}

/** `gt nudge deacon ...` is refused with one line naming the screen; the screen stays, untyped. */
async function assertRefused(at: AtScreen, cli: CliName, kind: string): Promise<void> {
  const before = await screenText(at.tmux, 'hq-deacon');
  const verdict = recognizeScreen(cli, before);
  assert.is(verdict?.kind, kind, `${cli} is at its ${kind} screen:\n${before}`);
  const words = 'gt-nudge-probe please continue 1';
  const r = await gt(['nudge', 'deacon', words, '--town', at.town.root]);
  assert.is(r.code, 1, `exit 1: ${r.stdout} ${r.stderr}`);
  assert.is(r.stderr.trim(), `gt: refused: deacon is at ${verdict!.reason}; a person must answer it (gt attach deacon)`);
  assert.is(r.stderr.trim().split('\n').length, 1, 'one line');
  const json = await gt(['nudge', 'deacon', words, '--json', '--town', at.town.root]);
  assert.is(json.code, 1);
  assert.is(JSON.parse(json.stdout).error.code, 'REFUSED');
  // The screen is still the same one a while later, and nothing was typed into it.
  const deadline = Date.now() + 2_000;
  while (Date.now() < deadline) {
    const now = await screenText(at.tmux, 'hq-deacon');
    assert.is(recognizeScreen(cli, now)?.kind, kind, `still at the ${kind} screen:\n${now}`);
    assert.not.ok(now.includes('gt-nudge-probe'), 'the nudge text was not typed');
    await new Promise((res) => setTimeout(res, 250));
  }
}

function read(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

test('Claude Code: "Detected a custom API key" is refused, the key neither approved nor rejected', async () => {
  const at = await deaconAt('claude', 'api-key', 'api-key');
  const config = () => JSON.parse(read(join(at.run.home, '.claude.json')) ?? '{}').customApiKeyResponses;
  const before = config();
  await assertRefused(at, 'claude', 'api-key');
  assert.equal(config(), before, 'customApiKeyResponses unchanged');
});

test("Claude Code: the daemon's nudge primitive with the runtime's guard refuses at the trust dialog", async () => {
  const at = await deaconAt('claude', 'trust', 'trust');
  const trusted = () => JSON.parse(read(join(at.run.home, '.claude.json')) ?? '{}').projects?.[at.run.cwd]?.hasTrustDialogAccepted;
  try {
    await nudge(at.tmux, 'hq-deacon', 'HEALTH_CHECK: your heartbeat is stale', { refuseAt: nudgeGuard('claude'), who: 'deacon' });
    assert.unreachable('the nudge was refused');
  } catch (e) {
    assert.instance(e, NudgeRefusedError);
    assert.is((e as NudgeRefusedError).line, "refused: deacon is at Claude Code's folder trust dialog; a person must answer it (gt attach deacon)");
  }
  // An unknown runtime (a custom wrapper) is guarded by every recogniser.
  await nudge(at.tmux, 'hq-deacon', 'hello', { refuseAt: nudgeGuard('my-claude-wrapper') }).then(
    () => assert.unreachable('refused for a custom runtime too'),
    (e: unknown) => assert.instance(e, NudgeRefusedError),
  );
  assert.is(recognizeScreen('claude', await screenText(at.tmux, 'hq-deacon'))?.kind, 'trust');
  assert.is(trusted(), false, 'the folder was not trusted');
});

test("Codex: the sign-in picker at a fresh CODEX_HOME is refused, no sign-in started", async () => {
  const at = await deaconAt('codex', 'login', 'login');
  const codexHome = join(at.run.home, '.codex');
  const config = read(join(codexHome, 'config.toml'));
  await assertRefused(at, 'codex', 'login');
  assert.is(read(join(codexHome, 'config.toml')), config, 'config.toml unchanged');
  assert.not.ok(existsSync(join(codexHome, 'auth.json')), 'no auth.json');
  assert.not.ok(/localhost:1455|auth\.openai\.com/.test(await screenText(at.tmux, 'hq-deacon')), 'no OAuth sign-in page offered');
});

test('Gemini CLI: the folder trust dialog is refused, trustedFolders.json untouched', async () => {
  const at = await deaconAt('gemini', 'trust', 'trust');
  const gemini = join(at.run.home, '.gemini');
  const trusted = read(join(gemini, 'trustedFolders.json'));
  const settings = read(join(gemini, 'settings.json'));
  await assertRefused(at, 'gemini', 'trust');
  assert.is(read(join(gemini, 'trustedFolders.json')), trusted, 'trustedFolders.json unchanged');
  assert.is(read(join(gemini, 'settings.json')), settings, 'settings.json unchanged');
});

test("OpenCode: the permission prompt is refused, the command does not run", async () => {
  const at = await deaconAt('opencode', 'turns', 'permission');
  await assertRefused(at, 'opencode', 'permission');
  assert.not.ok(readdirSync(at.run.cwd).includes(FIXTURE_COMMAND.split(' ')[1]!), 'the tool call was not allowed');
});

test.run();

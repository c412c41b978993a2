/**
 * The daemon's act step never types into a blocking screen, even one that appeared after observe
 * (decide then still planned the nudge): act reads the screen with the agent's runtime guard
 * before the first key. On a real tmux server (private socket), the deacon's pane shows Claude
 * Code's recorded "Detected a custom API key" dialog; a HEALTH_CHECK nudge planned for it is
 * reported failed with the refusal, logged as one line naming the screen, and nothing is typed.
 * The same nudge into a plain prompt is delivered (the guard is what refuses).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { daemonSettingsSchema } from '../../internal/config/daemon-settings.js';
import { settingsSchema } from '../../internal/config/settings.js';
import { actAgents } from '../../internal/daemon/engine/act-agents.js';
import type { EngineView } from '../../internal/daemon/engine/view.js';
import { LedgerHealth } from '../../internal/daemon/engine/ledger-health.js';
import type { Logger } from '../../internal/daemon/logger.js';
import type { Action } from '../../internal/daemon/policy/index.js';
import { capturePanes, createSession, type Tmux } from '../../internal/tmux/index.js';
import { townLayout } from '../../internal/town/layout.js';
import { DEACON } from '../helpers/policy-fixtures.js';
import { privateServers } from '../helpers/tmux-servers.js';
import { REPO, tempDir, waitFor } from '../helpers/town.js';

const servers = privateServers();
const dir = tempDir('gt-act-nudge-guard-');
test.after(async () => {
  await servers.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const FIXTURE = join(REPO, 'test', 'fixtures', 'screens', 'claude@2.1.197', 'api-key@80x24.txt');

async function actNudge(tmux: Tmux): Promise<{ lines: string[]; reports: Array<[string, boolean, string | undefined]> }> {
  const lines: string[] = [];
  const log: Logger = {
    debug: (m) => lines.push(`DEBUG ${m}`),
    info: (m) => lines.push(`INFO ${m}`),
    warn: (m) => lines.push(`WARN ${m}`),
    error: (m) => lines.push(`ERROR ${m}`),
    setLimits: () => undefined,
  };
  const settings = settingsSchema.parse({ agent: 'claude' });
  const engine: EngineView = {
    town: dir,
    layout: townLayout(dir),
    tmux,
    log,
    settings: () => settings,
    now: () => Date.now(),
    healthWindowMs: undefined,
    ledgerHealth: new LedgerHealth(townLayout(dir)),
    warnOnce: () => undefined,
    resolved: () => undefined,
  };
  const reports: Array<[string, boolean, string | undefined]> = [];
  const nudge: Action = { type: 'nudge', agent: DEACON, observed: 'alive', text: 'HEALTH_CHECK: run your patrol' };
  await actAgents(engine, [nudge], {
    launch: { town: dir, tmux, settings, daemonSettings: daemonSettingsSchema.parse({}), rigs: { version: 1, rigs: {} } },
    rigTimeoutMs: 30_000,
    skip: new Set(),
    started: () => undefined,
    report: (a, ok, detail) => reports.push([a.type, ok, detail]),
  });
  return { lines, reports };
}

const screen = async (tmux: Tmux) => {
  const c = (await capturePanes(tmux, ['hq-deacon'])).get('hq-deacon');
  return c?.ok ? c.text : '';
};

test("a nudge act was told to send into Claude Code's API key dialog is refused, nothing typed", async () => {
  const tmux = servers.next();
  // The recorded screen, redrawn in a pane of its size; `cat` then echoes whatever is typed.
  await createSession(tmux, { name: 'hq-deacon', cwd: dir, command: ['/bin/sh', '-c', 'printf "%s" "$(cat "$1")"; exec cat', 'show', FIXTURE], width: 80, height: 24, healthWindowMs: 20 });
  const last = readFileSync(FIXTURE, 'utf8').trimEnd().split('\n').at(-1)!.trim();
  await waitFor('the dialog drawn', async () => (await screen(tmux)).includes(last), 10_000, 50);
  const { lines, reports } = await actNudge(tmux);
  assert.equal(reports.map(([t, ok]) => [t, ok]), [['nudge', false]]);
  assert.match(reports[0]![2]!, /Detected a custom API key/);
  assert.equal(lines, [`WARN refused: deacon is at Claude Code's "Detected a custom API key" confirmation; a person must answer it (gt attach deacon)`]);
  await new Promise((r) => setTimeout(r, 300));
  assert.not.match(await screen(tmux), 'HEALTH_CHECK');
});

test('the same nudge into a plain prompt is delivered', async () => {
  const tmux = servers.next();
  await createSession(tmux, { name: 'hq-deacon', cwd: dir, command: ['/bin/sh', '-c', 'printf "> "; exec cat'], width: 80, height: 24, healthWindowMs: 20 });
  await waitFor('the prompt drawn', async () => (await screen(tmux)).includes('>'), 10_000, 50);
  const { reports } = await actNudge(tmux);
  assert.is(reports[0]![0], 'nudge');
  await waitFor('the text typed', async () => (await screen(tmux)).includes('HEALTH_CHECK: run your patrol'), 10_000, 50);
});

test.run();

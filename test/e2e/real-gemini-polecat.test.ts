/**
 * A real Gemini CLI polecat, offline against the scripted model (the Gemini API, through
 * GOOGLE_GEMINI_BASE_URL): slung a bead, it is primed by the GEMINI.md gt writes in its worktree
 * (kept out of git), runs `gt hook`, writes a file, commits, runs `gt done` (gt's git calls work
 * inside Gemini CLI's command environment), and the refinery merges it. Its own hooks
 * (SessionStart, BeforeAgent, AfterTool, AfterAgent, from the workspace settings gt writes in its
 * worktree, kept out of git) keep its heartbeat file: working while the turn is held, idle after.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { realPolecat, workTheHook, type RealPolecat } from '../helpers/real-polecat.js';
import { waitFor } from '../helpers/town.js';

let p: RealPolecat;
test.before(async () => {
  p = await realPolecat({
    runtime: 'gemini',
    // What a person does once for Gemini CLI here: choose its API-key sign-in.
    doneOnce(home) {
      mkdirSync(join(home.dir, '.gemini'), { recursive: true });
      writeFileSync(join(home.dir, '.gemini', 'settings.json'), `${JSON.stringify({ security: { auth: { selectedType: 'gemini-api-key' } } }, null, 2)}\n`);
    },
    agentEnv: (url) => ({ GOOGLE_GEMINI_BASE_URL: url, GEMINI_API_KEY: 'gt-test-key' }),
  });
});
test.after(async () => p?.close());

test('a slung bead: the real Gemini CLI polecat is primed by GEMINI.md, works its hook, commits, runs gt done; its hooks report working then idle', async () => {
  await workTheHook(p, { primingFile: 'GEMINI.md', shellTool: 'run_shell_command', workingEvents: ['BeforeAgent', 'AfterTool'], idleEvent: 'AfterAgent' });
  assert.is(p.heartbeat().runtime, 'gemini');
  // Its SessionStart hook ran at start-up: it recorded Gemini's session id.
  const sid = await waitFor('the SessionStart hook', () => readFileSync(join(p.town.root, '.runtime', 'agents', 'sh-furiosa', 'session-id'), 'utf8'), 10_000, 100);
  assert.match(sid, /^[0-9a-f-]{36}\n$/);
  // Its updater is off in the workspace settings gt wrote (its hooks prove it read them); the
  // person's own ~/.gemini/settings.json is as they left it, and no system settings were refused.
  const ws = readFileSync(join(p.worktree, '.gemini', 'settings.json'), 'utf8');
  const settings = JSON.parse(ws.slice(ws.indexOf('\n') + 1));
  assert.equal([settings.general.enableAutoUpdate, settings.general.enableAutoUpdateNotification], [false, false]);
  assert.equal(JSON.parse(readFileSync(join(p.home.dir, '.gemini', 'settings.json'), 'utf8')), { security: { auth: { selectedType: 'gemini-api-key' } } });
  assert.not.match(p.pane(), /Skipping system settings/);
});

test.run();

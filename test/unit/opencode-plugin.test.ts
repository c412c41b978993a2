/**
 * gt's OpenCode plugin, the module gt writes for each OpenCode session, loaded here as OpenCode
 * loads it (an ES module whose export is called for its hooks) and fed OpenCode's events in the
 * shapes OpenCode 1.18 sends them; it runs the real agent-hook.sh, which writes the heartbeat file.
 * (test/e2e/real-opencode-polecat.test.ts runs it inside the real OpenCode.)
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { agentHookScript } from '../../internal/agent/hooks/events.js';
import { opencodePluginSource } from '../../internal/agent/runtimes/opencode-plugin.js';
import { tempDir, waitFor } from '../helpers/town.js';

const dir = tempDir('gt-oc-plugin-');
const SESSION = 'sh-nux';
process.env.GT_TOWN_ROOT = dir;
process.env.GT_SESSION = SESSION;
test.after(() => rmSync(dir, { recursive: true, force: true }));

type Hooks = { event: (i: { event: { type: string; properties?: unknown } }) => Promise<void>; 'tool.execute.after': (i: unknown) => Promise<void> };

const hb = () => {
  try {
    return JSON.parse(readFileSync(join(dir, '.runtime', 'heartbeats', `${SESSION}.json`), 'utf8')) as Record<string, string>;
  } catch {
    return undefined;
  }
};
const until = (what: string, ok: (h: Record<string, string>) => boolean) => waitFor(what, () => { const h = hb(); return h && ok(h) ? h : undefined; }, 10_000, 20);

test('the plugin source is a valid ES module naming the hook script', () => {
  const file = join(dir, 'check.mjs');
  writeFileSync(file, opencodePluginSource('/opt/gt/agent-hook.sh'));
  execFileSync(process.execPath, ['--check', file]);
  assert.match(readFileSync(file, 'utf8'), 'const HOOK = "/opt/gt/agent-hook.sh";');
  // A path with quotes and backslashes stays one string literal.
  writeFileSync(file, opencodePluginSource('/opt/it\'s "odd"\\/agent-hook.sh'));
  execFileSync(process.execPath, ['--check', file]);
});

test("OpenCode's events become heartbeat reports for the agent's own session only", async () => {
  const file = join(dir, 'gt-opencode-plugin.js');
  writeFileSync(file, opencodePluginSource(agentHookScript()));
  const mod = (await import(pathToFileURL(file).href)) as { GtHeartbeat: () => Promise<Hooks> };
  const hooks = await mod.GtHeartbeat();
  // Loaded: OpenCode is up.
  let h = await until('SessionStart on load', (x) => x.event === 'SessionStart');
  assert.equal([h.state, h.runtime], ['idle', 'opencode']);
  const main = 'ses_0a1b2c3d4e5fMAIN';
  const child = 'ses_0a1b2c3d4e5fCHILD';
  await hooks.event({ event: { type: 'session.created', properties: { info: { id: main, title: 'New session' } } } });
  await hooks.event({ event: { type: 'session.status', properties: { sessionID: main, status: { type: 'busy' } } } });
  h = await until('busy -> working', (x) => x.state === 'working');
  assert.is(h.event, 'UserPromptSubmit');
  // A subagent's child session going idle is not the agent going idle.
  await hooks.event({ event: { type: 'session.created', properties: { info: { id: child, parentID: main } } } });
  await hooks.event({ event: { type: 'session.status', properties: { sessionID: child, status: { type: 'idle' } } } });
  await hooks.event({ event: { type: 'session.idle', properties: { sessionID: child } } });
  await hooks['tool.execute.after']({ tool: 'bash', sessionID: child, callID: 'c0' });
  await hooks['tool.execute.after']({ tool: 'bash', sessionID: main, callID: 'c1' });
  h = await until('a tool call of the agent: progress', (x) => x.event === 'PostToolUse');
  assert.is(h.state, 'working', 'the child session changed nothing');
  await hooks.event({ event: { type: 'permission.asked', properties: { id: 'per_1', sessionID: main, permission: 'bash', patterns: ['touch x'] } } });
  h = await until('a permission request blocks', (x) => x.state === 'blocked');
  assert.equal([h.reason, h.event], ['permission', 'PermissionRequest']);
  await hooks.event({ event: { type: 'session.status', properties: { sessionID: main, status: { type: 'retry', attempt: 1, message: '5-hour usage limit reached. It will reset in 3 hours.', next: Date.now() + 10_800_000 } } } });
  h = await until('a retry at the usage limit blocks', (x) => x.reason === 'usage-limit');
  assert.is(h.message, '5-hour usage limit reached. It will reset in 3 hours.');
  await hooks.event({ event: { type: 'session.status', properties: { sessionID: main, status: { type: 'idle' } } } });
  h = await until('idle again', (x) => x.state === 'idle');
  assert.is(h.event, 'Stop');
  // The same state again is not written again (one sh per change); unknown events are ignored.
  const before = readFileSync(join(dir, '.runtime', 'heartbeats', `${SESSION}.json`), 'utf8');
  await hooks.event({ event: { type: 'session.idle', properties: { sessionID: main } } });
  await hooks.event({ event: { type: 'message.part.updated', properties: {} } });
  await hooks.event({ event: { type: 'session.status' } });
  await new Promise((r) => setTimeout(r, 300));
  assert.is(readFileSync(join(dir, '.runtime', 'heartbeats', `${SESSION}.json`), 'utf8'), before);
});

test.run();

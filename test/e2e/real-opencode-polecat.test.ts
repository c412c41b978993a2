/**
 * A real OpenCode polecat, offline against the scripted model (its Anthropic provider pointed at
 * the server through OPENCODE_CONFIG_CONTENT, as a person would configure a provider): slung a
 * bead, it is primed by the AGENTS.md gt writes in its worktree (kept out of git), runs `gt hook`,
 * writes a file, commits, runs `gt done`, and the refinery merges it. gt's plugin, added to the
 * person's OPENCODE_CONFIG_CONTENT (their provider kept), keeps its heartbeat file: working while
 * the turn is held, idle after it.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { realPolecat, workTheHook, type RealPolecat } from '../helpers/real-polecat.js';

let p: RealPolecat;
test.before(async () => {
  p = await realPolecat({
    runtime: 'opencode',
    // What a person does once for OpenCode here: a provider (the scripted server) and a model.
    agentEnv: (url) => ({
      OPENCODE_CONFIG_CONTENT: JSON.stringify({
        model: 'scripted/scripted-model',
        provider: { scripted: { npm: '@ai-sdk/anthropic', name: 'gt scripted model', options: { baseURL: `${url}/v1`, apiKey: 'gt-test-key' }, models: { 'scripted-model': { name: 'Scripted', tool_call: true } } } },
      }),
      OPENCODE_DISABLE_MODELS_FETCH: '1',
      OPENCODE_DISABLE_LSP_DOWNLOAD: '1',
    }),
  });
});
test.after(async () => p?.close());

test('a slung bead: the real OpenCode polecat is primed by AGENTS.md, works its hook, commits, runs gt done; its plugin reports working then idle', async () => {
  await workTheHook(p, { primingFile: 'AGENTS.md', shellTool: 'bash', workingEvents: ['UserPromptSubmit', 'PostToolUse'], idleEvent: 'Stop', timeoutMs: 240_000 });
  assert.is(p.heartbeat().runtime, 'opencode');
});

test.run();

/**
 * The scripted model server over real HTTP on loopback: both APIs' streams parse back into the
 * text and tool calls the script says, tools map onto what each CLI offers, side requests use no
 * step, and errors, drops, holds, delays, expectations and routing behave as documented.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseScript } from '../../internal/modelserver/script.js';
import { startModelServer, type ModelServer } from '../../internal/modelserver/server.js';
import { ConfigError } from '../../internal/errors.js';
import { REPO, gt, tempDir } from '../helpers/town.js';

const servers: ModelServer[] = [];
test.after.each(async () => {
  while (servers.length) await servers.pop()!.close();
});
async function serve(script: unknown): Promise<ModelServer> {
  const s = await startModelServer({ script: script as never });
  servers.push(s);
  return s;
}

const claudeTools = [{ name: 'Bash', input_schema: {} }, { name: 'Write', input_schema: {} }, { name: 'Edit', input_schema: {} }];
const codexTools = [{ type: 'function', name: 'exec_command', parameters: {} }];

function anthropic(url: string, body: Record<string, unknown>, path = '/v1/messages?beta=true'): Promise<Response> {
  return fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': 'k' }, body: JSON.stringify({ model: 'claude-x', max_tokens: 10, stream: true, tools: claudeTools, ...body }) });
}
function responses(url: string, body: Record<string, unknown>): Promise<Response> {
  return fetch(`${url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-x', stream: true, tools: codexTools, ...body }) });
}

/** Parse an SSE body into [event, data] pairs. */
async function sse(res: Response): Promise<Array<[string, Record<string, unknown>]>> {
  const text = await res.text();
  return text
    .split('\n\n')
    .filter((b) => b.trim())
    .map((b) => {
      const ev = /^event: (.*)$/m.exec(b)?.[1] ?? '';
      const data = JSON.parse(/^data: (.*)$/m.exec(b)?.[1] ?? '{}') as Record<string, unknown>;
      return [ev, data];
    });
}

/** Rebuild an Anthropic streamed message: its text, tool calls and stop reason. */
async function anthropicMessage(res: Response) {
  const events = await sse(res);
  let text = '';
  const tools: Array<{ name: string; input: unknown }> = [];
  let json = '';
  let stop = '';
  for (const [ev, d] of events) {
    if (ev === 'content_block_start' && (d.content_block as { type: string }).type === 'tool_use') {
      tools.push({ name: (d.content_block as { name: string }).name, input: undefined });
      json = '';
    }
    if (ev === 'content_block_delta') {
      const delta = d.delta as { type: string; text?: string; partial_json?: string };
      if (delta.type === 'text_delta') text += delta.text;
      else json += delta.partial_json;
    }
    if (ev === 'content_block_stop' && tools.length && tools.at(-1)!.input === undefined) tools.at(-1)!.input = JSON.parse(json || '{}');
    if (ev === 'message_delta') stop = (d.delta as { stop_reason: string }).stop_reason;
  }
  assert.is(events[0]![0], 'message_start');
  assert.is(events.at(-1)![0], 'message_stop');
  return { text, tools, stop };
}

test('Anthropic Messages: text, and a tool_use with the text before it, streamed', async () => {
  const s = await serve({ steps: [{ say: 'Looking.', bash: 'gt hook' }, { text: 'All done.' }] });
  const r1 = await anthropic(s.url, { messages: [{ role: 'user', content: 'go' }] });
  assert.is(r1.status, 200);
  assert.match(r1.headers.get('content-type') ?? '', 'text/event-stream');
  assert.equal(await anthropicMessage(r1), { text: 'Looking.', tools: [{ name: 'Bash', input: { command: 'gt hook', description: 'Run a scripted command' } }], stop: 'tool_use' });
  const r2 = await anthropic(s.url, { messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: 'sh-abc  Add the widget' }] }] });
  assert.equal(await anthropicMessage(r2), { text: 'All done.', tools: [], stop: 'end_turn' });
  const log = s.requests();
  assert.equal(log.map((e) => [e.step, e.answer]), [[0, 'tool:Bash'], [1, 'text']]);
  assert.equal(log[1]!.tool_results, ['sh-abc  Add the widget']);
  assert.is(log[0]!.prompt, 'go');
});

test('Anthropic Messages without stream: one JSON message; count_tokens answers', async () => {
  const s = await serve({ steps: [{ text: 'hi' }] });
  const r = await anthropic(s.url, { stream: false, messages: [{ role: 'user', content: 'x' }] });
  const body = (await r.json()) as { content: Array<{ type: string; text: string }>; stop_reason: string };
  assert.equal([body.content[0]!.text, body.stop_reason], ['hi', 'end_turn']);
  const c = await anthropic(s.url, { messages: [{ role: 'user', content: 'x' }] }, '/v1/messages/count_tokens');
  assert.ok(((await c.json()) as { input_tokens: number }).input_tokens > 0);
});

test('OpenAI Responses: a function call and then text, ending with response.completed', async () => {
  const s = await serve({ steps: [{ bash: 'git commit -m x' }, { text: 'Done.' }] });
  const r1 = await responses(s.url, { input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'go' }] }] });
  const e1 = await sse(r1);
  assert.is(e1[0]![0], 'response.created');
  assert.is(e1.at(-1)![0], 'response.completed');
  const items = (e1.at(-1)![1].response as { output: Array<Record<string, unknown>> }).output;
  assert.is(items[0]!.type, 'function_call');
  assert.is(items[0]!.name, 'exec_command');
  assert.equal(JSON.parse(items[0]!.arguments as string), { cmd: 'git commit -m x' });
  const done = e1.filter(([ev]) => ev === 'response.output_item.done');
  assert.is(done.length, 1);
  const r2 = await responses(s.url, { input: [{ type: 'function_call', call_id: 'c', name: 'exec_command', arguments: '{}' }, { type: 'function_call_output', call_id: 'c', output: 'committed' }] });
  const e2 = await sse(r2);
  const msg = (e2.at(-1)![1].response as { output: Array<{ content: Array<{ text: string }> }> }).output[0]!;
  assert.is(msg.content[0]!.text, 'Done.');
  assert.equal(s.requests()[1]!.tool_results, ['committed']);
});

test('Gemini API: a functionCall then text, streamed as SSE; side JSON requests fit Gemini\'s upper-case schema', async () => {
  const s = await serve({ steps: [{ bash: 'gt hook' }, { text: 'Done.' }] });
  const call = (model: string, method: string, body: unknown) =>
    fetch(`${s.url}/v1beta/models/${model}:${method}?alt=sse`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const tools = [{ functionDeclarations: [{ name: 'run_shell_command' }, { name: 'write_file' }] }];
  const side = await call('gemini-lite', 'generateContent', {
    contents: [{ role: 'user', parts: [{ text: 'classify' }] }],
    generationConfig: { responseMimeType: 'application/json', responseJsonSchema: { type: 'OBJECT', properties: { complexity_reasoning: { type: 'STRING' }, complexity_score: { type: 'INTEGER' } } } },
  });
  const sideBody = (await side.json()) as { candidates: Array<{ content: { parts: Array<{ text: string }> } }> };
  assert.equal(JSON.parse(sideBody.candidates[0]!.content.parts[0]!.text), { complexity_reasoning: 'Scripted task', complexity_score: 1 });
  const r1 = await call('gemini-pro', 'streamGenerateContent', { systemInstruction: { parts: [{ text: 'You are polecat x' }] }, contents: [{ role: 'user', parts: [{ text: 'go' }] }], tools });
  const e1 = await sse(r1);
  const parts = (e1[0]![1].candidates as Array<{ content: { parts: Array<Record<string, unknown>> } }>)[0]!.content.parts;
  assert.equal(parts, [{ functionCall: { name: 'run_shell_command', args: { command: 'gt hook', description: 'Run a scripted command' } } }]);
  const r2 = await call('gemini-pro', 'streamGenerateContent', {
    contents: [{ role: 'user', parts: [{ text: 'go' }] }, { role: 'model', parts: [{ functionCall: { name: 'run_shell_command', args: {} } }] }, { role: 'user', parts: [{ functionResponse: { name: 'run_shell_command', response: { output: 'sh-abc hooked' } } }] }],
    tools,
  });
  const text = ((await sse(r2))[0]![1].candidates as Array<{ content: { parts: Array<{ text: string }> } }>)[0]!.content.parts[0]!.text;
  assert.is(text, 'Done.');
  assert.match(s.requests().at(-1)!.tool_results![0]!, 'sh-abc hooked');
  assert.equal(s.requests().map((e) => [e.api, e.answer]), [['gemini-generate-content', 'side'], ['gemini-generate-content', 'tool:run_shell_command'], ['gemini-generate-content', 'text']]);
  const count = await call('gemini-pro', 'countTokens', { contents: [{ role: 'user', parts: [{ text: 'abc' }] }] });
  assert.ok(((await count.json()) as { totalTokens: number }).totalTokens > 0);
});

test('tools map onto each CLI\'s own: shell and write tools by the names offered', async () => {
  const s = await serve({ steps: [{ bash: 'ls' }, { bash: 'ls' }, { bash: 'ls' }, { write: { path: 'a.txt', content: 'x' } }, { write: { path: 'a.txt', content: "it's" } }, { tool: { name: 'Edit', input: { file_path: '/a' } } }, { tool: { name: 'Nope', input: {} } }] });
  const call = async (tools: unknown[], system = '') => (await anthropicMessage(await anthropic(s.url, { system, tools, messages: [{ role: 'user', content: 'x' }] }))).tools[0];
  assert.equal(await call([{ name: 'run_shell_command' }]), { name: 'run_shell_command', input: { command: 'ls', description: 'Run a scripted command' } });
  assert.equal(await call([{ name: 'bash' }]), { name: 'bash', input: { command: 'ls', description: 'Run a scripted command' } });
  assert.equal(await call([{ name: 'shell' }]), { name: 'shell', input: { command: ['bash', '-lc', 'ls'] } });
  // Claude's Write wants an absolute path: the working directory Claude told the model.
  assert.equal(await call(claudeTools, ' - Primary working directory: /work/tree\n'), { name: 'Write', input: { file_path: '/work/tree/a.txt', content: 'x' } });
  // No write tool (Codex): through the shell, quoted.
  const viaShell = (await call([{ name: 'exec_command' }])) as { input: { cmd: string } };
  assert.match(viaShell.input.cmd, /printf '%s' 'it'\\''s' > 'a\.txt'/);
  assert.equal(await call(claudeTools), { name: 'Edit', input: { file_path: '/a' } });
  const bad = await anthropic(s.url, { messages: [{ role: 'user', content: 'x' }] });
  assert.is(bad.status, 400);
  assert.match(JSON.stringify(await bad.json()), 'does not offer tool \\"Nope\\"');
});

test('side requests (no tools) use no step; a structured one gets JSON that fits its schema', async () => {
  const s = await serve({ steps: [{ text: 'the real answer' }] });
  const side = await responses(s.url, { tools: [], input: 'title?', text: { format: { type: 'json_schema', schema: { type: 'object', properties: { title: { type: 'string' }, n: { type: 'integer' } } } } } });
  const out = ((await sse(side)).at(-1)![1].response as { output: Array<{ content: Array<{ text: string }> }> }).output[0]!.content[0]!.text;
  assert.equal(JSON.parse(out), { title: 'Scripted task', n: 1 });
  const r = await anthropic(s.url, { messages: [{ role: 'user', content: 'x' }] });
  assert.is((await anthropicMessage(r)).text, 'the real answer');
  assert.equal(s.requests().map((e) => e.answer), ['side', 'text']);
});

test('errors: a 429 with headers and an API-shaped body; times repeats; a whole custom body', async () => {
  const s = await serve({
    steps: [
      { error: { status: 429, message: 'usage limit reached', headers: { 'retry-after': '30', 'anthropic-ratelimit-unified-reset': '1800000000' } }, times: 2 },
      { error: { status: 500 } },
      { error: { status: 429, body: { error: { type: 'usage_limit_reached', resets_in_seconds: 60 } } } },
    ],
  });
  for (let i = 0; i < 2; i++) {
    const r = await anthropic(s.url, { messages: [{ role: 'user', content: 'x' }] });
    assert.is(r.status, 429);
    assert.is(r.headers.get('retry-after'), '30');
    assert.equal(await r.json(), { type: 'error', error: { type: 'rate_limit_error', message: 'usage limit reached' } });
  }
  const r500 = await responses(s.url, { input: 'x' });
  assert.is(r500.status, 500);
  assert.is(((await r500.json()) as { error: { type: string } }).error.type, 'server_error');
  const custom = await responses(s.url, { input: 'x' });
  assert.equal(await custom.json(), { error: { type: 'usage_limit_reached', resets_in_seconds: 60 } });
});

async function fails(fn: () => Promise<unknown>): Promise<boolean> {
  try {
    await fn();
    return false;
  } catch {
    return true;
  }
}

test('drops: before the headers, and in the middle of a stream', async () => {
  const s = await serve({ steps: [{ drop: 'before-headers' }, { drop: 'mid-stream' }] });
  assert.ok(await fails(async () => (await anthropic(s.url, { messages: [] })).text()), 'no response at all');
  let status = 0;
  assert.ok(
    await fails(async () => {
      const r = await anthropic(s.url, { messages: [] });
      status = r.status;
      await r.text();
    }),
    'the stream breaks',
  );
  assert.is(status, 200, 'after the headers');
  assert.equal(s.requests().map((e) => e.answer), ['drop:before-headers', 'drop:mid-stream']);
});

test('hold: the turn waits until released (released early counts too); delay waits', async () => {
  const s = await serve({ steps: [{ hold: 'h1', text: 'after the hold' }, { hold: 'h2', text: 'pre-released' }, { delay: '300ms', text: 'late' }] });
  let settled = false;
  const p = anthropic(s.url, { messages: [{ role: 'user', content: 'x' }] }).then(async (r) => ((settled = true), anthropicMessage(r)));
  await new Promise((r) => setTimeout(r, 200));
  assert.not.ok(settled, 'held');
  assert.ok(s.requests().some((e) => e.answer === 'held:h1'), 'a held request is logged on arrival');
  const rel = await fetch(`${s.url}/_gt/release/h1`, { method: 'POST' });
  assert.is(rel.status, 200);
  assert.is((await p).text, 'after the hold');
  s.release('h2');
  assert.is((await anthropicMessage(await anthropic(s.url, { messages: [] }))).text, 'pre-released');
  const t0 = Date.now();
  assert.is((await anthropicMessage(await anthropic(s.url, { messages: [] }))).text, 'late');
  assert.ok(Date.now() - t0 >= 280);
});

test('expect: a request without the expected text gets a 400 naming the step, and is logged', async () => {
  const s = await serve({ steps: [{ expect: 'You are polecat \\w+', text: 'ok' }, { expect: 'never there', text: 'no' }] });
  assert.is((await anthropic(s.url, { system: 'You are polecat furiosa', messages: [{ role: 'user', content: 'x' }] })).status, 200);
  const r = await anthropic(s.url, { messages: [{ role: 'user', content: 'x' }] });
  assert.is(r.status, 400);
  assert.match(JSON.stringify(await r.json()), 'step 1 of agent default expected /never there/');
  assert.is(s.requests().at(-1)!.answer, 'expect-failed');
});

test('routing: by match in the request, or by /a/<agent>; each agent has its own steps; exhausted scripts idle or error', async () => {
  const s = await serve({
    agents: [
      { name: 'pole', match: 'You are polecat', steps: [{ text: 'pole 0' }] },
      { name: 'dea', match: 'You are the deacon', steps: [{ text: 'dea 0' }], then: 'error' },
      { name: 'rest', steps: [] },
    ],
  });
  const text = async (r: Response) => (await anthropicMessage(r)).text;
  assert.is(await text(await anthropic(s.url, { system: 'You are the deacon', messages: [] })), 'dea 0');
  assert.is(await text(await anthropic(s.url, { messages: [{ role: 'user', content: 'You are polecat x' }] })), 'pole 0');
  assert.is(await text(await anthropic(s.url, { messages: [{ role: 'user', content: 'You are polecat x' }] })), 'Nothing more to do.');
  assert.is((await anthropic(s.url, { system: 'You are the deacon', messages: [] })).status, 500);
  assert.is(await text(await anthropic(s.agentUrl('rest'), { system: 'You are the deacon', messages: [] })), 'Nothing more to do.');
  assert.is((await anthropic(s.agentUrl('ghost'), { messages: [] })).status, 404);
  assert.equal(s.progress(), { pole: 1, dea: 1, rest: 0 });
  const log = (await (await fetch(`${s.url}/_gt/log`)).json()) as Array<{ agent?: string }>;
  assert.is(log.length, 6);
  assert.is((await fetch(`${s.url}/nope`)).status, 404);
  assert.is((await fetch(s.url, { method: 'HEAD' })).status, 200);
});

test('bad request bodies get a 400 and are logged, never a crash', async () => {
  const s = await serve({ steps: [{ text: 'x' }] });
  const r = await fetch(`${s.url}/v1/messages`, { method: 'POST', body: '{not json' });
  assert.is(r.status, 400);
  assert.match(s.requests()[0]!.error ?? '', 'bad request body');
  assert.is((await anthropicMessage(await anthropic(s.url, { messages: [] }))).text, 'x', 'still serving');
});

test('scripts are validated with one clear problem per mistake', () => {
  const bad: Array<[unknown, RegExp]> = [
    [{ steps: [{}] }, /a step needs one of "text", "bash"/],
    [{ steps: [{ text: 'a', bash: 'b' }] }, /exactly one of .* \(got text, bash\)/],
    [{ steps: [{ text: 'a', say: 'b' }] }, /"say" goes with a tool call/],
    [{ steps: [{ error: { status: 200 } }] }, /steps\.0\.error\.status/],
    [{ steps: [{ text: 'a', delay: 'soon' }] }, /expected a duration/],
    [{ steps: [{ text: 'a', expect: '(' }] }, /not a valid regular expression/],
    [{ agents: [{ name: 'a', steps: [] }, { name: 'a', steps: [] }] }, /used twice/],
    [{ steps: [{ text: 'a' }], extra: 1 }, /invalid|unknown|unrecognized/i],
  ];
  for (const [script, re] of bad) {
    try {
      parseScript(script);
      assert.unreachable(JSON.stringify(script));
    } catch (e) {
      assert.ok(e instanceof ConfigError, String(e));
      assert.match((e as Error).message, re);
    }
  }
  assert.equal(parseScript({ steps: [{ text: 'a', delay: '2s' }] })[0]!.steps[0]!.delay, 2000);
});

test('gt modelserver: --check validates a file; a bad one is one clear line and exit 1; --help documents the steps', async () => {
  const dir = tempDir('gt-ms-');
  writeFileSync(join(dir, 'ok.json'), JSON.stringify({ steps: [{ bash: 'gt hook' }, { text: 'done' }] }));
  writeFileSync(join(dir, 'bad.json'), JSON.stringify({ steps: [{ bash: '' }] }));
  const ok = await gt(['modelserver', '--script', join(dir, 'ok.json'), '--check']);
  assert.is(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, 'ok (default: 2 steps)');
  const bad = await gt(['modelserver', '--script', join(dir, 'bad.json'), '--check']);
  assert.is(bad.code, 1);
  assert.match(bad.stderr, /bad\.json.*steps\.0\.bash/);
  assert.is(bad.stderr.trim().split('\n').length, 1);
  const none = await gt(['modelserver']);
  assert.is(none.code, 2);
  // The example script shipped with gt stays valid.
  const example = await gt(['modelserver', '--script', join(REPO, 'scripts', 'modelserver', 'town.json'), '--check']);
  assert.is(example.code, 0, example.stderr);
  const help = await gt(['modelserver', '--help']);
  assert.match(help.stdout, '"hold": "name"');
});

test('gt modelserver runs from the CLI in one line and logs each request', async () => {
  const dir = tempDir('gt-ms-');
  writeFileSync(join(dir, 's.json'), JSON.stringify({ steps: [{ text: 'from the cli' }] }));
  const { spawn } = await import('node:child_process');
  const { GT_BIN } = await import('../helpers/town.js');
  const child = spawn(process.execPath, [GT_BIN, 'modelserver', '--script', join(dir, 's.json'), '--json', '--log', join(dir, 'log.jsonl')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  try {
    const deadline = Date.now() + 15_000;
    while (!out.includes('"url"') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const { url } = JSON.parse(out.split('\n')[0]!) as { url: string };
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.is((await anthropicMessage(await anthropic(url, { messages: [] }))).text, 'from the cli');
    while (!out.includes('"answer":"text"') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.match(out, '"answer":"text"');
    const { readFileSync } = await import('node:fs');
    assert.match(readFileSync(join(dir, 'log.jsonl'), 'utf8'), '"answer":"text"');
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('close', r));
  }
});

test.run();

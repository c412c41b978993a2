/**
 * The CLI hook script, run for real (/bin/sh) as Claude Code, Codex, Gemini CLI and gt's OpenCode plugin run it: every event of
 * the documented table writes the heartbeat file it says, atomically, in the shared contract's
 * shape; bad input is ignored silently; the per-tool-call path reads no stdin.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { heartbeatFileSchema } from '../../internal/config/heartbeat-file.js';
import { agentHookScript, CLAUDE_HOOK_EVENTS, CODEX_HOOK_EVENTS, GEMINI_HOOK_EVENTS, OPENCODE_HOOK_EVENTS } from '../../internal/agent/hooks/events.js';
import { tempDir } from '../helpers/town.js';

let town: string;
const SESSION = 'sh-furiosa';
const hbFile = () => join(town, '.runtime', 'heartbeats', `${SESSION}.json`);

test.before.each(() => {
  town = tempDir('gt-hook-');
});
test.after.each(() => {
  rmSync(town, { recursive: true, force: true });
});

function hook(cli: string, event: string, opts: { stdin?: string; arg?: string; env?: Record<string, string> } = {}) {
  const args = [agentHookScript(), cli, event, ...(opts.arg !== undefined ? [opts.arg] : [])];
  return spawnSync('/bin/sh', args, {
    input: opts.stdin ?? '',
    encoding: 'utf8',
    env: { PATH: process.env.PATH, GT_TOWN_ROOT: town, GT_SESSION: SESSION, ...opts.env },
  });
}

function report(): Record<string, unknown> {
  const text = readFileSync(hbFile(), 'utf8');
  const hb = JSON.parse(text) as Record<string, unknown>;
  heartbeatFileSchema.parse(hb); // the shared contract's schema, as every reader uses it
  return hb;
}

const claudePayload = (event: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ session_id: '7f6f13fa-c16c-4182-90c9-82b5610fb14d', transcript_path: '/x.jsonl', cwd: '/w', hook_event_name: event, ...extra });

test('every plain Claude event writes the state the table documents', () => {
  for (const [event, rule] of Object.entries(CLAUDE_HOOK_EVENTS)) {
    if (rule.state === 'per payload') continue;
    const r = hook('claude', event, { stdin: claudePayload(event) });
    assert.is(r.status, 0, r.stderr);
    assert.is(r.stdout, '', 'a hook prints nothing (SessionStart output would become context)');
    const hb = report();
    assert.is(hb.state, rule.state, event);
    assert.is(hb.event, event);
    assert.is(hb.runtime, 'claude');
    assert.ok(Math.abs(Date.parse(hb.timestamp as string) - Date.now()) < 10_000, 'a current timestamp');
  }
});

test('every plain Codex event writes the state the table documents', () => {
  for (const [event, rule] of Object.entries(CODEX_HOOK_EVENTS)) {
    const r = hook('codex', event, { stdin: JSON.stringify({ session_id: '01a22d55-6b92-72e3-9df3-2af48478a06f', hook_event_name: event }) });
    assert.is(r.status, 0, r.stderr);
    const hb = report();
    assert.is(hb.state, rule.state === 'per payload' ? 'blocked' : rule.state, event);
    if (event === 'PermissionRequest') assert.is(hb.reason, 'permission');
  }
});

test('SessionStart keeps the conversation id beside the heartbeat (restart.resume)', () => {
  hook('claude', 'SessionStart', { stdin: claudePayload('SessionStart', { source: 'startup' }) });
  assert.is(readFileSync(join(town, '.runtime', 'agents', SESSION, 'session-id'), 'utf8'), '7f6f13fa-c16c-4182-90c9-82b5610fb14d\n');
  // An id that is not a plain token is not kept (it would be passed to --resume).
  rmSync(join(town, '.runtime', 'agents'), { recursive: true });
  hook('claude', 'SessionStart', { stdin: JSON.stringify({ session_id: '../../etc; rm -rf /' }) });
  assert.not.ok(existsSync(join(town, '.runtime', 'agents', SESSION, 'session-id')));
});

test('Notification: permission and questions block, the rest is idle', () => {
  const cases: Array<[string, string, string | undefined]> = [
    ['permission_prompt', 'blocked', 'permission'],
    ['elicitation_dialog', 'blocked', 'question'],
    ['idle_prompt', 'idle', undefined],
    ['auth_success', 'idle', undefined],
  ];
  for (const [type, state, reason] of cases) {
    hook('claude', 'Notification', { stdin: claudePayload('Notification', { message: 'Claude needs your permission to use Bash', notification_type: type }) });
    const hb = report();
    assert.is(hb.state, state, type);
    assert.is(hb.reason, reason, type);
    assert.is(hb.message, 'Claude needs your permission to use Bash');
  }
});

test('StopFailure records the API error and its message; rate limits and auth failures block', () => {
  hook('claude', 'StopFailure', { stdin: claudePayload('StopFailure', { error: 'server_error', last_assistant_message: 'API Error: Unable to connect to API (ConnectionRefused)' }) });
  let hb = report();
  assert.equal([hb.state, hb.error, hb.message, hb.reason], ['idle', 'server_error', 'API Error: Unable to connect to API (ConnectionRefused)', undefined]);
  hook('claude', 'StopFailure', { stdin: claudePayload('StopFailure', { error: 'rate_limit', last_assistant_message: "You've hit your limit · resets 3pm" }) });
  hb = report();
  assert.equal([hb.state, hb.reason, hb.error], ['blocked', 'usage-limit', 'rate_limit']);
  hook('claude', 'StopFailure', { stdin: claudePayload('StopFailure', { error: 'authentication_failed', last_assistant_message: 'Invalid API key · Please run /login' }) });
  assert.equal([report().state, report().reason], ['blocked', 'login']);
  // Anything odd in the payload stays data: quotes and backslashes cannot break the JSON.
  hook('claude', 'StopFailure', { stdin: claudePayload('StopFailure', { error: 'weird"type', last_assistant_message: 'say "hi" \\ bye\n next line' }) });
  hb = report();
  assert.match(hb.error as string, /^[a-z_]+$/, 'the error stays a plain token');
  assert.type(hb.message, 'string');
  hook('claude', 'StopFailure', { stdin: claudePayload('StopFailure', { error: 'Not-A-Token!', last_assistant_message: 'x' }) });
  assert.is(report().error, 'unknown');
  const long = 'x'.repeat(5000);
  hook('claude', 'StopFailure', { stdin: claudePayload('StopFailure', { error: 'unknown', last_assistant_message: long }) });
  assert.is((report().message as string).length, 300, 'messages are capped');
});

test('"since" is kept while the state holds and restarts when it changes', async () => {
  hook('claude', 'UserPromptSubmit');
  const first = report();
  await new Promise((r) => setTimeout(r, 30));
  hook('claude', 'PostToolUse');
  const second = report();
  assert.is(second.since, first.since);
  assert.ok((second.timestamp as string) > (first.timestamp as string), 'every event is progress');
  hook('claude', 'Stop');
  const third = report();
  assert.is(third.state, 'idle');
  assert.is(third.since, third.timestamp);
});

test('the per-tool-call path reads no stdin and leaves no temp file behind', () => {
  const r = hook('claude', 'PostToolUse', { stdin: 'y'.repeat(2 * 1024 * 1024) });
  assert.is(r.status, 0);
  assert.is(report().state, 'working');
  assert.equal(readdirSync(join(town, '.runtime', 'heartbeats')), [`${SESSION}.json`]);
});

test('Codex notify: idle only for the agent\'s own thread (named by SessionStart), never for its side threads', () => {
  const own = '01a22d55-6b92-72e3-9df3-2af48478a06f';
  const done = (thread: string) => JSON.stringify({ type: 'agent-turn-complete', 'thread-id': thread, 'turn-id': 't', cwd: '/w', 'input-messages': ['x'], 'last-assistant-message': 'ok' });
  // Before SessionStart named the thread: nothing is known, nothing written.
  hook('codex', 'notify', { arg: done(own) });
  assert.not.ok(existsSync(hbFile()));
  hook('codex', 'SessionStart', { stdin: JSON.stringify({ session_id: own }) });
  hook('codex', 'UserPromptSubmit');
  hook('codex', 'notify', { arg: done('01a22d59-cf5c-7d73-8e1f-312cb5910ea8') });
  assert.is(report().state, 'working', 'a title thread finishing is not the agent going idle');
  hook('codex', 'notify', { arg: done(own) });
  assert.equal([report().state, report().event], ['idle', 'notify']);
});

test('every plain Gemini CLI event writes the state the table documents; Notification blocks only for a tool permission', () => {
  const payload = (event: string, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ session_id: 'c0ffee00-1234-4abc-8def-0123456789ab', transcript_path: '/x.json', cwd: '/w', hook_event_name: event, timestamp: new Date().toISOString(), ...extra });
  for (const [event, rule] of Object.entries(GEMINI_HOOK_EVENTS)) {
    if (rule.state === 'per payload') continue;
    const r = hook('gemini', event, { stdin: payload(event) });
    assert.is(r.status, 0, r.stderr);
    assert.is(r.stdout, '', 'nothing on stdout (Gemini CLI reads it as the hook\'s answer)');
    const hb = report();
    assert.equal([hb.state, hb.event, hb.runtime], [rule.state, event, 'gemini'], event);
  }
  assert.is(readFileSync(join(town, '.runtime', 'agents', SESSION, 'session-id'), 'utf8'), 'c0ffee00-1234-4abc-8def-0123456789ab\n');
  hook('gemini', 'BeforeAgent', { stdin: payload('BeforeAgent') });
  hook('gemini', 'Notification', { stdin: payload('Notification', { notification_type: 'ToolPermission', message: 'Tool confirmation needed for run_shell_command' }) });
  assert.equal([report().state, report().reason, report().message], ['blocked', 'permission', 'Tool confirmation needed for run_shell_command']);
  hook('gemini', 'BeforeAgent', { stdin: payload('BeforeAgent') });
  hook('gemini', 'Notification', { stdin: payload('Notification', { notification_type: 'SomethingElse' }) });
  assert.equal([report().state, report().event], ['working', 'BeforeAgent'], 'another notification writes nothing');
});

test('every OpenCode plugin event writes the state the table documents; a retry at a usage limit blocks', () => {
  for (const [event, rule] of Object.entries(OPENCODE_HOOK_EVENTS)) {
    if (rule.state === 'per payload') continue;
    const r = hook('opencode', event, { stdin: '{}' });
    assert.is(r.status, 0, r.stderr);
    const hb = report();
    assert.equal([hb.state, hb.event, hb.runtime], [rule.state, event, 'opencode'], event);
    if (event === 'PermissionRequest') assert.is(hb.reason, 'permission');
  }
  hook('opencode', 'Retry', { stdin: JSON.stringify({ message: '5-hour usage limit reached. It will reset in 3 hours. To continue using this model now, enable usage' }) });
  assert.equal([report().state, report().reason], ['blocked', 'usage-limit']);
  assert.match(report().message as string, /^5-hour usage limit reached/);
  hook('opencode', 'Retry', { stdin: JSON.stringify({ message: 'Provider is overloaded' }) });
  assert.equal([report().state, report().reason, report().message], ['working', undefined, 'Provider is overloaded']);
});

test('outside an agent session, or with a bad session name, the hook does nothing and never fails', () => {
  const envs: Array<Record<string, string>> = [{ GT_SESSION: '' }, { GT_SESSION: '../x' }, { GT_SESSION: 'a b' }, { GT_TOWN_ROOT: '' }, { GT_TOWN_ROOT: 'relative/town' }];
  for (const env of envs) {
    const r = hook('claude', 'PostToolUse', { env });
    assert.is(r.status, 0);
  }
  assert.not.ok(existsSync(join(town, '.runtime')));
  for (const [cli, event] of [['claude', 'NoSuchEvent'], ['aider', 'Stop'], ['codex', 'Notification'], ['gemini', 'NoSuchEvent'], ['opencode', 'AfterAgent']]) {
    assert.is(hook(cli!, event!).status, 0);
  }
  assert.not.ok(existsSync(hbFile()));
  // An unwritable heartbeats dir: still exit 0 (the CLI must never see a failing hook).
  mkdirSync(join(town, '.runtime'), { recursive: true });
  writeFileSync(join(town, '.runtime', 'heartbeats'), 'not a directory');
  assert.is(hook('claude', 'Stop').status, 0);
});

test.run();

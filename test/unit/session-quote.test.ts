import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GtError } from '../../internal/errors.js';
import { shellQuote, shellQuoteArgv } from '../../internal/tmux/quote.js';
import { startupCommand } from '../../internal/session/startup.js';

const dir = mkdtempSync(join(tmpdir(), 'gt-quote-'));
const marker = join(dir, 'pwned');
const SHELLS = ['/bin/sh', '/bin/bash', '/bin/dash'].filter((s) => existsSync(s));

const ALL_LOW = Array.from({ length: 255 }, (_, i) => String.fromCharCode(i + 1)).join('');
const HOSTILE = [
  '',
  ' ',
  "'",
  "''",
  "'\\''",
  '"',
  '\\',
  '\\\\n',
  '$',
  '$HOME',
  '${HOME}',
  '$(id)',
  '`id`',
  `$(touch ${marker})`,
  `\`touch ${marker}\``,
  `'; touch ${marker}; '`,
  `"; touch ${marker}; "`,
  `x\ntouch ${marker}\n`,
  'a;rm -rf x',
  '!!',
  '*',
  '~',
  '#comment',
  '-n',
  '--help',
  'tab\there',
  'cr\rlf\n',
  'ünïcödé 日本語 🚀',
  '\u001b[31mred\u001b[0m',
  ALL_LOW,
];

function sh(shell: string, command: string): { stdout: Buffer; stderr: string; status: number | null } {
  const r = spawnSync(shell, ['-c', command], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, timeout: 30_000 });
  return { stdout: r.stdout, stderr: r.stderr.toString(), status: r.status };
}

function throwsInvalid(fn: () => unknown, what: string) {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof GtError && e.code === 'INVALID_INPUT', `${what}: ${String(e)}`);
    return;
  }
  assert.unreachable(`${what}: expected INVALID_INPUT`);
}

test('shellQuote: printf receives every value byte-for-byte in every shell', () => {
  for (const shell of SHELLS) {
    for (const v of HOSTILE) {
      const r = sh(shell, `printf '%s' ${shellQuote(v)}`);
      assert.is(r.status, 0, `${shell} ${JSON.stringify(v)}: ${r.stderr}`);
      assert.ok(r.stdout.equals(Buffer.from(v, 'utf8')), `${shell}: ${JSON.stringify(v)} came back as ${JSON.stringify(r.stdout.toString())}`);
    }
  }
  assert.not.ok(existsSync(marker), 'no injected command ran');
});

test('shellQuote: random strings survive', () => {
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const alphabet = ["'", '"', '\\', '$', '`', ' ', '\n', '(', ')', ';', '&', '|', 'a', 'é', '😀', '*', '?', '{', '}', '\t', '#', '='];
  const values = Array.from({ length: 40 }, () => Array.from({ length: 1 + Math.floor(rnd() * 20) }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join(''));
  // One shell run for all: printf with a separator that no value contains.
  const r = sh('/bin/sh', `printf '%s\\001' ${values.map(shellQuote).join(' ')}`);
  assert.is(r.status, 0, r.stderr);
  assert.equal(r.stdout.toString('utf8').split('\u0001').slice(0, -1), values);
});

test('shellQuote refuses what no shell can carry', () => {
  throwsInvalid(() => shellQuote('a\0b'), 'NUL');
  throwsInvalid(() => shellQuote('\uD800'), 'lone high surrogate');
  throwsInvalid(() => shellQuote('x\uDC00'), 'lone low surrogate');
  assert.is(shellQuote('😀'), "'😀'", 'a surrogate pair is fine');
});

test('shellQuoteArgv keeps argument boundaries', () => {
  const argv = ['a b', '', "c'd", '$(id)'];
  const r = sh('/bin/sh', `${shellQuoteArgv([process.execPath, '-e', 'process.stdout.write(JSON.stringify(process.argv.slice(1)))', ...argv])}`);
  assert.is(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout.toString()), argv);
});

test('startupCommand: sorted exports, then exec', () => {
  const cmd = startupCommand({ B: '2', A: "it's", C_1: '$x' }, ['claude', '--dangerously-skip-permissions']);
  assert.is(cmd, `export A='it'\\''s' B='2' C_1='$x' && exec 'claude' '--dangerously-skip-permissions'`);
  assert.is(startupCommand({}, ['sim']), "exec 'sim'");
});

test('startupCommand: env values and argv arrive byte-for-byte through /bin/sh; nothing injected runs', () => {
  const env: Record<string, string> = {};
  HOSTILE.forEach((v, i) => (env[`GT_T${String(i).padStart(2, '0')}`] = v));
  env.GT_ROLE = `$(touch ${marker})`;
  const script =
    'const o={};for(const k of Object.keys(process.env))if(k.startsWith("GT_"))o[k]=process.env[k];' +
    'process.stdout.write(JSON.stringify({env:o,argv:process.argv.slice(1)}))';
  const argv = [process.execPath, '-e', script, `$(touch ${marker})`, "a'b", 'x y'];
  for (const shell of SHELLS) {
    const r = sh(shell, startupCommand(env, argv));
    assert.is(r.status, 0, `${shell}: ${r.stderr}`);
    const got = JSON.parse(r.stdout.toString()) as { env: Record<string, string>; argv: string[] };
    assert.equal(got.env, env, shell);
    assert.equal(got.argv, argv.slice(3), shell);
  }
  assert.not.ok(existsSync(marker), 'no injected command ran');
});

test('startupCommand: exec replaces the shell (the agent is the pane process)', () => {
  const r = sh('/bin/sh', startupCommand({}, [process.execPath, '-e', 'process.stdout.write(String(process.ppid))']));
  const shellChild = spawnSync('/bin/sh', ['-c', `${startupCommand({}, [process.execPath, '-e', 'process.stdout.write(String(process.pid))'])}; echo after`]);
  assert.is(r.status, 0, r.stderr);
  assert.is(Number(r.stdout.toString()), process.pid, 'the agent is the shell process itself, a direct child of ours');
  assert.not.ok(shellChild.stdout.toString().includes('after'), 'nothing after exec runs');
});

test('startupCommand refuses bad env names, NUL values and an empty argv', () => {
  for (const k of ['A B', 'A=B', '1A', '$(id)', 'A;B', '', 'Ä']) throwsInvalid(() => startupCommand({ [k]: 'v' }, ['x']), `key ${JSON.stringify(k)}`);
  throwsInvalid(() => startupCommand({ A: 'a\0b' }, ['x']), 'NUL value');
  throwsInvalid(() => startupCommand({}, ['x', 'a\0']), 'NUL arg');
  throwsInvalid(() => startupCommand({}, []), 'empty argv');
  throwsInvalid(() => startupCommand({}, ['']), 'empty program');
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();

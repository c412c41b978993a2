/**
 * The prompt recognisers (`gt doctor`'s login probe waits for them) over the screens recorded
 * from the real CLIs (test/fixtures/screens/): at its prompt when idle (also after printing every
 * dialog's words), never while a dialog that replaces the prompt is up; and a runtime without one
 * is never "at its prompt".
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PROMPT_RECOGNISERS, SCREEN_RECOGNISERS, atPrompt } from '../../internal/agent/screens/index.js';
import { REPO } from '../helpers/town.js';

const ROOT = join(REPO, 'test', 'fixtures', 'screens');
interface Fixture {
  cli: string;
  file: string;
  screen: string;
  expect: string | null;
  text: string;
}

const fixtures: Fixture[] = [];
for (const dir of readdirSync(ROOT).sort()) {
  const m = /^(claude|codex|gemini|opencode)@(.+)$/.exec(dir);
  if (!m) continue;
  const index = JSON.parse(readFileSync(join(ROOT, dir, 'index.json'), 'utf8')) as { screens: Omit<Fixture, 'cli' | 'text'>[] };
  for (const e of index.screens) fixtures.push({ ...e, cli: m[1]!, file: `${dir}/${e.file}`, text: readFileSync(join(ROOT, dir, e.file), 'utf8') });
}

test('every CLI with a screen recogniser has a prompt recogniser', () => {
  assert.equal(Object.keys(PROMPT_RECOGNISERS).sort(), Object.keys(SCREEN_RECOGNISERS).sort());
});

test('idle screens, and idle after printing every dialog\'s words: at the prompt', () => {
  const idle = fixtures.filter((f) => f.screen === 'idle' || f.screen === 'transcript-words');
  assert.ok(idle.length >= 16, `${idle.length} idle fixtures`);
  for (const f of idle) assert.ok(atPrompt(f.cli, f.text), `${f.file}: at its prompt`);
});

test('Gemini CLI in YOLO mode (as gt starts it) marks its input row "*": at the prompt', () => {
  const idle = fixtures.filter((f) => f.cli === 'gemini' && f.screen === 'idle');
  assert.ok(idle.length >= 2);
  for (const f of idle) {
    const yolo = f.text.replace(/^(\s*)>(\s+Type your message)/m, '$1*$2');
    assert.is.not(yolo, f.text, `${f.file} has the input row`);
    assert.ok(atPrompt('gemini', yolo), `${f.file} in YOLO mode`);
  }
});

test('a dialog that replaces the prompt (trust, sign-in, API key, bypass, permission, other): not at the prompt', () => {
  const dialogs = fixtures.filter((f) => f.expect !== null && f.expect !== 'usage-limit' && !(f.cli === 'claude' && f.screen === 'not-logged-in'));
  assert.ok(dialogs.length >= 20, `${dialogs.length} dialog fixtures`);
  for (const f of dialogs) assert.not.ok(atPrompt(f.cli, f.text), `${f.file} (${f.expect}): not at its prompt`);
});

test("another CLI's idle screen is not this CLI's prompt; unknown runtimes have none", () => {
  for (const f of fixtures.filter((x) => x.screen === 'idle')) {
    for (const cli of Object.keys(PROMPT_RECOGNISERS)) if (cli !== f.cli) assert.not.ok(atPrompt(cli, f.text), `${cli} prompt on ${f.file}`);
    assert.not.ok(atPrompt('sim', f.text));
    assert.not.ok(atPrompt('my-wrapper', f.text));
  }
  assert.not.ok(atPrompt('claude', ''));
});

test.run();

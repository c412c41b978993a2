/**
 * internal/tmux keys, nudge, capture and theme on a real tmux server with a private socket.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidInputError } from '../../internal/errors.js';
import {
  NudgeRefusedError,
  Tmux,
  applyTheme,
  capturePane,
  createSession,
  killServer,
  nudge,
  readTheme,
  sanitizeNudgeText,
  sendKey,
  sendKeys,
  snapshot,
  themeFor,
  findSession,
} from '../../internal/tmux/index.js';
import { privateServers } from '../helpers/tmux-servers.js';
import { tempDir, waitFor } from '../helpers/town.js';

/** Private servers (`gt-test-<pid>-<n>`), stopped by socket name after the file. */
const servers = privateServers();
const privateTmux = (): Tmux => servers.next();
const dir = tempDir('gt-tmux-keys-');

test.after(async () => {
  await servers.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/** A pane program that appends every line it reads (as JSON) to `out`, and echoes "got: <line>". */
function lineRecorder(out: string): string[] {
  const js = `
    const fs = require('fs');
    const rl = require('readline').createInterface({ input: process.stdin });
    console.log('ready>');
    rl.on('line', (l) => { fs.appendFileSync(${JSON.stringify(out)}, JSON.stringify(l) + '\\n'); console.log('got: ' + l.length); });
  `;
  return [process.execPath, '-e', js];
}

/** A raw-mode program that records every byte it receives and never prints anything. */
function byteRecorder(out: string): string[] {
  const js = `
    const fs = require('fs');
    process.stdin.setRawMode(true);
    fs.writeFileSync(${JSON.stringify(out)}, '');
    process.stdin.on('data', (d) => fs.appendFileSync(${JSON.stringify(out)}, d));
  `;
  return [process.execPath, '-e', js];
}

function linesOf(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as string) : [];
}

test('send-keys types text literally: key names, shell syntax and tmux syntax arrive as text', async () => {
  const t = privateTmux();
  const out = join(dir, 'lines.jsonl');
  await createSession(t, { name: 'rec', cwd: dir, command: lineRecorder(out), healthWindowMs: 300 });
  await waitFor('program ready', async () => (await capturePane(t, 'rec')).includes('ready>'));
  const samples = ['Enter', 'C-c', '$(id) `id` ${HOME}', "it's \"quoted\"", 'ends with;', '\\;', ';', '#{pane_id} #[fg=red]', '-l -- -t', 'ünïcødé 名前 🎩', '   spaced   '];
  for (const s of samples) {
    await sendKeys(t, 'rec', s);
    await sendKey(t, 'rec', 'Enter');
  }
  const got = await waitFor('all lines recorded', () => {
    const l = linesOf(out);
    return l.length >= samples.length ? l : undefined;
  });
  assert.equal(got, samples);
  // Pane ids target exactly too.
  const snap = await snapshot(t);
  const pane = snap.ok ? findSession(snap, 'rec')!.panes[0]! : undefined;
  await sendKeys(t, pane!.paneId, 'by pane id');
  await sendKey(t, pane!.paneId, 'Enter');
  await waitFor('pane-id line', () => linesOf(out).includes('by pane id'));
  await killServer(t);
});

test('capture returns the pane text; join keeps a wrapped line whole', async () => {
  const t = privateTmux();
  const long = 'x'.repeat(150);
  await createSession(t, { name: 'cap', cwd: dir, command: `printf 'first line\\n${long}\\n'; exec sleep 1000`, width: 80, height: 24, healthWindowMs: 300 });
  const text = await waitFor('output captured', async () => {
    const c = await capturePane(t, 'cap');
    return c.includes('first line') ? c : undefined;
  });
  assert.not.ok(text.includes(long), 'without -J the long line is wrapped at 80 columns');
  const joined = await capturePane(t, 'cap', { join: true });
  assert.ok(joined.includes(long), 'with -J it reads back whole');
  await killServer(t);
});

test('nudge strips control characters, sends text then Enter, and verifies the pane changed', async () => {
  const t = privateTmux();
  const out = join(dir, 'nudge.jsonl');
  await createSession(t, { name: 'agent', cwd: dir, command: lineRecorder(out), healthWindowMs: 300 });
  await waitFor('program ready', async () => (await capturePane(t, 'agent')).includes('ready>'));
  const raw = 'HEALTH_CHECK:\x1b[31m are you\x03 there?\nreply;\x7f\x9b $(id)';
  const r = await nudge(t, 'agent', raw, { verifyMs: 5_000 });
  assert.equal(r.delivered, true);
  assert.equal(r.enterAttempts, 1);
  assert.equal(r.text, 'HEALTH_CHECK:[31m are you there? reply; $(id)');
  const got = await waitFor('nudge line recorded', () => linesOf(out)[0]);
  assert.equal(got, r.text);
  assert.equal(linesOf(out).length, 1, 'exactly one line: the text held no newline of its own');
  try {
    await nudge(t, 'agent', '\x1b\x03\n\t');
    assert.unreachable('empty nudge accepted');
  } catch (e) {
    assert.instance(e, InvalidInputError);
  }
  await killServer(t);
});

test('nudge retries Enter a bounded number of times when the pane does not change', async () => {
  const t = privateTmux();
  const out = join(dir, 'bytes.bin');
  await createSession(t, { name: 'deaf', cwd: dir, command: byteRecorder(out), healthWindowMs: 300 });
  await waitFor('raw-mode program ready', () => existsSync(out));
  const r = await nudge(t, 'deaf', 'wake up', { enterAttempts: 3, verifyMs: 300 });
  assert.equal(r.delivered, false);
  assert.equal(r.enterAttempts, 3);
  // The program saw the text once and exactly three separate Enters (CR in raw mode).
  const bytes = await waitFor('three Enters recorded', () => {
    const b = readFileSync(out, 'utf8');
    return (b.match(/\r/g) ?? []).length >= 3 ? b : undefined;
  });
  assert.equal(bytes, 'wake up\r\r\r');
  await killServer(t);
});

/** Raw mode: records every byte; shows "ready>" and, once anything was typed, a "DIALOG" (as a TUI might pop one up). */
function dialogAfterTyping(out: string): string[] {
  const js = `
    const fs = require('fs');
    process.stdin.setRawMode(true);
    fs.writeFileSync(${JSON.stringify(out)}, '');
    console.log('ready>');
    process.stdin.on('data', (d) => { fs.appendFileSync(${JSON.stringify(out)}, d); console.log('DIALOG: pick one'); });
  `;
  return [process.execPath, '-e', js];
}

test('nudge with a guard: refused before the first key at a blocking screen, and before Enter when one appears', async () => {
  const t = privateTmux();
  const guard = (screen: string) => (screen.includes('DIALOG') ? 'a test dialog' : null);
  // A screen that is blocking from the start: nothing at all is typed.
  const first = join(dir, 'blocked.bytes');
  await createSession(t, { name: 'blocked', cwd: dir, command: [process.execPath, '-e', `require('fs').writeFileSync(${JSON.stringify(first)}, ''); process.stdin.setRawMode(true); process.stdin.on('data', (d) => require('fs').appendFileSync(${JSON.stringify(first)}, d)); console.log('DIALOG: trust?')`], healthWindowMs: 300 });
  await waitFor('dialog shown', async () => (await capturePane(t, 'blocked')).includes('DIALOG'));
  const e1 = await nudge(t, 'blocked', 'hello', { refuseAt: guard, who: 'mayor' }).then(() => undefined, (e: unknown) => e);
  assert.instance(e1, NudgeRefusedError);
  assert.is((e1 as NudgeRefusedError).line, 'refused: mayor is at a test dialog; a person must answer it (gt attach mayor)');
  assert.is(readFileSync(first, 'utf8'), '', 'not a byte typed');
  // A dialog that comes up while the text is typed: the text went in, Enter never does.
  const out = join(dir, 'late.bytes');
  await createSession(t, { name: 'late', cwd: dir, command: dialogAfterTyping(out), healthWindowMs: 300 });
  await waitFor('ready', async () => (await capturePane(t, 'late')).includes('ready>'));
  const e2 = await nudge(t, 'late', 'hello there', { refuseAt: guard, verifyMs: 2_000 }).then(() => undefined, (e: unknown) => e);
  assert.instance(e2, NudgeRefusedError);
  assert.is(readFileSync(out, 'utf8'), 'hello there', 'the text, and no Enter');
});

test('sanitizeNudgeText', () => {
  assert.equal(sanitizeNudgeText('a\r\nb\tc\x00d\x1b[0m\x7f\x85e  '), 'a b cd[0me');
  assert.equal(sanitizeNudgeText('ünï 🎩'), 'ünï 🎩');
});

test('theme: per-rig colour (stable, distinct) and per-role icon applied to the session only', async () => {
  const t = privateTmux();
  await createSession(t, { name: 'gt-witness', cwd: dir, command: ['sleep', '1000'], healthWindowMs: 100 });
  await createSession(t, { name: 'other', cwd: dir, command: ['sleep', '1000'], healthWindowMs: 100 });
  const before = await readTheme(t, 'other');
  const want = await applyTheme(t, 'gt-witness', { rig: 'gastown', role: 'witness', label: 'gastown/witness #1' });
  assert.equal(want, themeFor({ rig: 'gastown', role: 'witness', label: 'gastown/witness #1' }));
  const got = await readTheme(t, 'gt-witness');
  assert.equal(got.statusStyle, want.statusStyle);
  assert.equal(got.statusLeft, want.statusLeft);
  assert.ok(got.statusLeft!.includes('🦉'), 'witness icon');
  assert.ok(got.statusLeft!.includes('##1'), "the label's # is escaped so tmux shows it literally");
  assert.equal(got.statusRight, want.statusRight);
  assert.equal(await readTheme(t, 'other'), before, 'another session keeps its own status bar');
  await killServer(t);
});

test.run();

/**
 * The blocking-screen recognisers over every screen recorded from the real CLIs
 * (test/fixtures/screens/<cli>@<version>/, scripts/capture-screens.ts), at both recorded sizes,
 * as captured and disguised (colour escapes, CRLF, trailing spaces); the negatives (idle, working,
 * an agent printing every dialog's words) must stay null under every recogniser.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SCREEN_KINDS, SCREEN_RECOGNISERS, recognizeAnyScreen, recognizeScreen, type ScreenKind } from '../../internal/agent/screens/index.js';
import { parseDuration, resolveClockTime } from '../../internal/agent/screens/reset-time.js';
import { screenRows, flat } from '../../internal/agent/screens/text.js';
import { REPO } from '../helpers/town.js';

const ROOT = join(REPO, 'test', 'fixtures', 'screens');

interface Entry {
  file: string;
  screen: string;
  expect: ScreenKind | null;
  note: string;
  width: number;
  height: number;
  captured_at: string;
  reset_in_seconds?: number;
}

interface Fixture extends Entry {
  cli: string;
  version: string;
  text: string;
  now: number;
}

function loadFixtures(): Fixture[] {
  const out: Fixture[] = [];
  for (const dir of readdirSync(ROOT).sort()) {
    const m = /^(claude|codex|gemini|opencode)@(.+)$/.exec(dir);
    if (!m) continue;
    const index = JSON.parse(readFileSync(join(ROOT, dir, 'index.json'), 'utf8')) as { cli: string; version: string; screens: Entry[] };
    assert.is(index.cli, m[1], `${dir}/index.json names its CLI`);
    assert.is(index.version, m[2], `${dir}/index.json names its version`);
    const listed = new Set(index.screens.map((e) => e.file));
    for (const f of readdirSync(join(ROOT, dir))) if (f.endsWith('.txt')) assert.ok(listed.has(f), `${dir}/${f} is in its index.json`);
    for (const e of index.screens) {
      const path = join(ROOT, dir, e.file);
      assert.ok(existsSync(path), `${dir}/${e.file} exists`);
      out.push({ ...e, cli: m[1]!, version: m[2]!, text: readFileSync(path, 'utf8'), now: Date.parse(e.captured_at) });
    }
  }
  return out;
}

const fixtures = loadFixtures();
const name = (f: Fixture) => `${f.cli}@${f.version}/${f.file}`;
const opts = (f: Fixture) => ({ now: f.now, timeZone: 'UTC' });

test('fixtures exist for all four CLIs, each with its blocking screens and negatives', () => {
  const want: Record<string, (ScreenKind | null)[]> = {
    claude: ['trust', 'login', 'api-key', 'bypass-confirm', 'permission', 'usage-limit', null],
    codex: ['login', 'trust', 'permission', 'usage-limit', null],
    gemini: ['trust', 'login', 'api-key', 'permission', 'usage-limit', 'dialog', null],
    opencode: ['permission', 'usage-limit', null],
  };
  for (const [cli, kinds] of Object.entries(want)) {
    const have = fixtures.filter((f) => f.cli === cli);
    assert.ok(have.length > 0, `fixtures for ${cli}`);
    for (const k of kinds) assert.ok(have.some((f) => f.expect === k), `${cli} has a ${k ?? 'negative'} fixture`);
    // Idle, working and the agent printing dialog words, for every CLI.
    for (const s of ['idle', 'working', 'transcript-words']) assert.ok(have.some((f) => f.screen === s && f.expect === null), `${cli} has a ${s} fixture`);
    // Two terminal sizes: wrapped and unwrapped text.
    assert.ok(new Set(have.map((f) => `${f.width}x${f.height}`)).size >= 2, `${cli} fixtures at two sizes`);
  }
  for (const f of fixtures) if (f.expect !== null) assert.ok((SCREEN_KINDS as readonly string[]).includes(f.expect), `${name(f)}: known kind`);
});

test('each fixture: its own recogniser gives the recorded kind and one readable line', () => {
  for (const f of fixtures) {
    const v = recognizeScreen(f.cli, f.text, opts(f));
    assert.is(v?.kind ?? null, f.expect, `${name(f)} (${f.note})`);
    if (v) {
      assert.ok(v.reason.length > 10 && v.reason.length <= 200 && !/[\n\r\x1b]/.test(v.reason), `${name(f)}: reason is one short line: ${JSON.stringify(v.reason)}`);
      assert.ok(/Claude Code|Codex|Gemini CLI|OpenCode/.test(v.reason), `${name(f)}: reason names the CLI`);
    }
  }
});

test('usage-limit fixtures carry the reset time the screen shows', () => {
  const limits = fixtures.filter((f) => f.expect === 'usage-limit');
  assert.ok(limits.length >= 8);
  for (const f of limits) {
    const v = recognizeScreen(f.cli, f.text, opts(f))!;
    assert.ok(f.reset_in_seconds, `${name(f)} records the reset it was given`);
    assert.type(v.resetAt, 'number', `${name(f)}: resetAt`);
    // The model set the reset at its answer; the screen was read a few seconds later and shows
    // minutes (Claude, Codex, Gemini) or a rounded duration (OpenCode).
    const expected = f.now + f.reset_in_seconds! * 1000;
    assert.ok(Math.abs(v.resetAt! - expected) <= 5 * 60_000, `${name(f)}: resetAt ${new Date(v.resetAt!).toISOString()} vs expected ${new Date(expected).toISOString()}`);
  }
});

test('no recogniser fires on another CLI\'s negatives, and any-recogniser agrees with the own one', () => {
  for (const f of fixtures) {
    const any = recognizeAnyScreen(f.text, opts(f));
    assert.is(any?.kind ?? null, f.expect, `recognizeAnyScreen on ${name(f)}`);
    if (f.expect !== null) continue;
    for (const [rt, r] of Object.entries(SCREEN_RECOGNISERS)) assert.is(r(f.text, opts(f)), null, `${rt} recogniser on ${name(f)}`);
  }
});

/** Colour every word, as `capture-pane -e` would keep it. */
function colourise(text: string): string {
  let n = 0;
  return text.replace(/\S+/g, (w) => `\x1b[${31 + (n++ % 6)};1m${w}\x1b[0m`) + '\x1b]0;title\x07';
}

test('verdicts survive colour escapes, CRLF line ends, trailing spaces and a few blank rows', () => {
  for (const f of fixtures) {
    const variants = {
      colour: colourise(f.text),
      crlf: f.text.replace(/\n/g, '\r\n'),
      padded: f.text
        .split('\n')
        .map((l) => `${l}${' '.repeat(f.width - [...l].length > 0 ? f.width - [...l].length : 0)}`)
        .join('\n'),
      taller: `${f.text}\n\n\n\n`,
    };
    for (const [how, text] of Object.entries(variants)) {
      assert.is(recognizeScreen(f.cli, text, opts(f))?.kind ?? null, f.expect, `${name(f)} ${how}`);
    }
  }
});

test('a blocking screen scrolled up into the transcript is history, not a screen', () => {
  // The same dialog rows with the CLI's idle prompt drawn below them: what an agent that printed
  // (or quoted) a dialog looks like. The prompt at the bottom wins.
  for (const f of fixtures.filter((x) => x.expect !== null && x.expect !== 'usage-limit')) {
    const idle = fixtures.find((x) => x.cli === f.cli && x.screen === 'idle' && x.width === f.width);
    assert.ok(idle, `${f.cli} idle fixture at ${f.width}`);
    const dialog = screenRows(f.text);
    const prompt = screenRows(idle!.text).slice(-8);
    const text = [...dialog, '', ...prompt].join('\n');
    assert.is(recognizeScreen(f.cli, text, opts(f)), null, `${name(f)} above ${f.cli}'s prompt`);
  }
});

test('a dialog taller than the screen (its top scrolled off) is still recognised', () => {
  let checked = 0;
  for (const f of fixtures.filter((x) => (x.cli === 'claude' || x.cli === 'gemini') && x.expect !== null && x.screen !== 'not-logged-in' && x.screen !== 'usage-limit-waiting')) {
    const rows = screenRows(f.text);
    // The dialog's top edge: Claude's last rule, Gemini's outermost box top.
    let topEdge = -1;
    for (let i = rows.length - 1; i >= 0 && topEdge < 0; i--) if (f.cli === 'claude' ? /^\s*─{8,}\s*$/.test(rows[i]!) : /^\s?╭─+╮\s*$/.test(rows[i]!)) topEdge = i;
    assert.ok(topEdge >= 0, `${name(f)}: found the dialog's top`);
    const cut = rows.slice(topEdge + 1).join('\n');
    const v = recognizeScreen(f.cli, cut, opts(f));
    // The usage-limit menu's reset time lives above the dialog, so only the kind must hold.
    assert.is(v?.kind ?? null, f.expect, `${name(f)} without its top edge`);
    checked++;
  }
  assert.ok(checked >= 10);
});

test('runtimes without a recogniser (sim, custom) get null from recognizeScreen', () => {
  const trust = fixtures.find((f) => f.cli === 'claude' && f.expect === 'trust')!;
  assert.is(recognizeScreen('sim', trust.text), null);
  assert.is(recognizeScreen('my-wrapper', trust.text), null);
  assert.is(recognizeScreen('__proto__', trust.text), null);
  assert.is(recognizeScreen('constructor', trust.text), null);
  assert.is(recognizeAnyScreen(trust.text)?.kind, 'trust');
});

test('empty, binary and huge input: null, quickly', () => {
  for (const rt of Object.keys(SCREEN_RECOGNISERS)) {
    assert.is(recognizeScreen(rt, ''), null);
    assert.is(recognizeScreen(rt, '\0\x01\x02\n\n\n'), null);
    assert.is(recognizeScreen(rt, `${'x'.repeat(100_000)}\n`.repeat(40)), null);
  }
});

test('text helpers: rows keep their places, flat joins wrapped sentences', () => {
  assert.equal(screenRows('a  \r\n\x1b[1mb\x1b[0m\n\n\n'), ['a', 'b']);
  assert.is(flat(['│ Do you trust the files in │', '│ this folder?              │']), 'Do you trust the files in this folder?');
});

test('clock times: next occurrence, named zones, dates with and without a year', () => {
  const now = Date.parse('2026-11-30T17:00:00Z');
  // Later today, earlier (so tomorrow), in UTC.
  assert.is(resolveClockTime({ hour: 19, minute: 53 }, now, 'UTC'), Date.parse('2026-11-30T19:53:00Z'));
  assert.is(resolveClockTime({ hour: 9, minute: 0 }, now, 'UTC'), Date.parse('2026-12-01T09:00:00Z'));
  // A zone on the screen wins over the default.
  assert.is(resolveClockTime({ hour: 15, minute: 0, zone: 'America/New_York' }, now, 'UTC'), Date.parse('2026-11-30T20:00:00Z'));
  assert.is(resolveClockTime({ hour: 15, minute: 0, zone: 'PST' }, now, 'UTC'), Date.parse('2026-11-30T23:00:00Z'));
  assert.is(resolveClockTime({ hour: 18, minute: 30, zone: 'GMT+2' }, now, 'UTC'), Date.parse('2026-11-30T16:30:00Z') + 86_400_000);
  // Default zone when the screen names none.
  assert.is(resolveClockTime({ hour: 13, minute: 0 }, now, 'America/New_York'), Date.parse('2026-11-30T18:00:00Z'));
  // Dates: with a year as given; without, the nearest future one.
  assert.is(resolveClockTime({ hour: 0, minute: 16, month: 12, day: 3, year: 2026 }, now, 'UTC'), Date.parse('2026-12-03T00:16:00Z'));
  assert.is(resolveClockTime({ hour: 15, minute: 0, month: 1, day: 2 }, now, 'UTC'), Date.parse('2027-01-02T15:00:00Z'));
  assert.is(resolveClockTime({ hour: 15, minute: 0, month: 12, day: 2 }, now, 'UTC'), Date.parse('2026-12-02T15:00:00Z'));
  // Across a DST change (Europe/Berlin leaves summer time on 2026-10-25).
  const before = Date.parse('2026-10-24T20:00:00Z');
  assert.is(resolveClockTime({ hour: 9, minute: 0 }, before, 'Europe/Berlin'), Date.parse('2026-10-25T08:00:00Z'));
  // Nonsense is undefined, an unknown zone falls back to the default.
  assert.is(resolveClockTime({ hour: 25, minute: 0 }, now, 'UTC'), undefined);
  assert.is(resolveClockTime({ hour: 19, minute: 0, zone: 'Mars/Olympus' }, now, 'UTC'), Date.parse('2026-11-30T19:00:00Z'));
});

test('durations as the CLIs write them', () => {
  assert.is(parseDuration('3 hours'), 3 * 3_600_000);
  assert.is(parseDuration('2 days 4 hours'), 2 * 86_400_000 + 4 * 3_600_000);
  assert.is(parseDuration('1 hour 5 minutes'), 3_600_000 + 300_000);
  assert.is(parseDuration('2h 59m'), 2 * 3_600_000 + 59 * 60_000);
  assert.is(parseDuration('45s'), 45_000);
  assert.is(parseDuration('less than a minute'), 30_000);
  assert.is(parseDuration('soon'), undefined);
});

test.run();

/**
 * Output safe for a terminal. Control characters in user text (titles, subjects, bodies, log
 * lines) are shown escaped by gt bead list/show, gt status, gt mail inbox/read and gt daemon
 * logs; a newline in a one-line field keeps the table one row per bead. A reader that goes away
 * (`gt agents | head -1`) ends the command quietly with status 0.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { GT_BIN, gt, makeTown, type TempTown } from '../helpers/town.js';

let town: TempTown;
let mailId: string;

const HOSTILE = 'pwn \u001b]0;PWNED\u0007\u001b[2J\u001b[8mhidden\u009b31m';
/** What must never reach stdout raw: ESC, BEL, the C1 CSI. */
const RAW = /[\u001b\u0007\u009b]/;

async function ok(args: string[]): Promise<string> {
  const r = await gt([...args, '--town', town.root]);
  assert.is(r.code, 0, `gt ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

test.before(async () => {
  town = await makeTown({ agent: 'sim' });
  await ok(['bead', 'create', '--prefix', 'tt', '--title', `${HOSTILE}\nsecond line`, '--description', `desc ${HOSTILE}\nline two\r\u001b[1Aup`]);
  for (let i = 0; i < 3; i++) await ok(['bead', 'create', '--prefix', 'tt', '--title', `plain ${i}`]);
  mailId = JSON.parse(await ok(['mail', 'send', 'mayor/', '-s', `subject ${HOSTILE}\nnext`, '-m', `body ${HOSTILE}\nsecond`, '--json'])).id;
  mkdirSync(join(town.root, 'daemon'), { recursive: true });
  // A raw line as an older gt, or something printing to the daemon's stderr, could leave it.
  appendFileSync(join(town.root, 'daemon', 'daemon.log'), `2026-01-01T00:00:00.000Z WARN  log ${HOSTILE}\n`);
});
test.after(async () => {
  await town.cleanup();
});

test('gt bead list: escaped, one row per bead', async () => {
  const out = await ok(['bead', 'list']);
  assert.not.match(out, RAW);
  assert.match(out, /pwn \\x1b\]0;PWNED\\x07\\x1b\[2J\\x1b\[8mhidden\\x9b31m\\nsecond line/);
  assert.is(out.trimEnd().split('\n').length, 5, out);
});

test('gt bead show: title one line, description escaped but keeps its lines', async () => {
  const id = JSON.parse(await ok(['bead', 'list', '--json']))[0].id as string;
  const out = await ok(['bead', 'show', id]);
  assert.not.match(out, RAW);
  assert.match(out.split('\n')[0]!, /^tt-\w+  pwn \\x1b\]0;PWNED.*\\nsecond line$/);
  assert.match(out, /\n  desc pwn \\x1b\]0;PWNED.*\n  line two\\r\\x1b\[1Aup\n/);
  // JSON stays JSON: the exact text, escaped by JSON itself.
  assert.is(JSON.parse(await ok(['bead', 'show', id, '--json'])).title, `${HOSTILE}\nsecond line`);
});

test('gt status: the open work table is escaped', async () => {
  const out = await ok(['status']);
  assert.not.match(out, RAW);
  assert.match(out, /pwn \\x1b\]0;PWNED/);
});

test('gt mail inbox and read: subject one line, body escaped', async () => {
  const inbox = await ok(['mail', 'inbox', 'mayor/']);
  assert.not.match(inbox, RAW);
  assert.is(inbox.trimEnd().split('\n').length, 2, inbox);
  const read = await ok(['mail', 'read', mailId]);
  assert.not.match(read, RAW);
  assert.match(read, /^subject:  subject pwn \\x1b\]0;PWNED.*\\nnext$/m);
  assert.match(read, /^body pwn \\x1b\]0;PWNED.*\nsecond$/m);
});

test('gt daemon logs: escaped, and --json gives one object per line', async () => {
  const out = await ok(['daemon', 'logs']);
  assert.not.match(out, RAW);
  assert.match(out, /WARN  log pwn \\x1b\]0;PWNED/);
  const json = (await ok(['daemon', 'logs', '--json'])).trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(json.at(-1), { time: '2026-01-01T00:00:00.000Z', level: 'warn', message: `log ${HOSTILE}` });
});

test('error lines quote what was typed escaped (a path with escape sequences)', async () => {
  const r = await gt(['install', `/proc/gt-${HOSTILE}`]);
  assert.is(r.code, 1);
  assert.not.match(r.stderr, RAW);
  assert.match(r.stderr, /^gt: cannot create directory \/proc\/gt-pwn \\x1b\]0;PWNED\\x07/);
});

/** Run gt with its stdout already closed by the reader, the way `| head -1` leaves it. */
function closedReader(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [GT_BIN, ...args, '--town', town.root], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    child.stdout!.destroy();
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

test('a reader that goes away: status 0, no stack trace (agents, status, bead list, daemon logs, mail read)', async () => {
  for (const args of [['agents'], ['status'], ['bead', 'list'], ['daemon', 'logs'], ['mail', 'read', mailId], ['agents', '--json']]) {
    const r = await closedReader(args);
    assert.is(r.code, 0, `gt ${args.join(' ')}: exit ${r.code}: ${r.stderr}`);
    assert.is(r.stderr, '', `gt ${args.join(' ')} printed: ${r.stderr}`);
  }
  // And through a real shell pipeline.
  const sh = spawnSync('bash', ['-o', 'pipefail', '-c', `"${process.execPath}" "${GT_BIN}" agents --town "${town.root}" | head -1`], { encoding: 'utf8' });
  assert.is(sh.status, 0, sh.stderr);
  assert.match(sh.stdout, /^IDENTITY/);
  assert.is(sh.stderr, '');
});

test.run();

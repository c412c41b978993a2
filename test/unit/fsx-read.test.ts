/**
 * The one door for reading files (internal/fsx/read.ts, internal/config/load.ts): a FIFO never
 * blocks, a link to /dev/zero and a sparse 1 GB file are refused without being read, a symlink is
 * refused where gt writes the file itself, and the log is never written through a planted link.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { closeSync, lstatSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { readFileBounded, readTailBounded, READ_CAPS } from '../../internal/fsx/read.js';
import { openOwnedAppend } from '../../internal/fsx/append.js';
import { ensureDir } from '../../internal/fsx/dirs.js';
import { readJsonFile } from '../../internal/config/load.js';
import { createFileLogger } from '../../internal/daemon/logger.js';
import { loadSettings } from '../../internal/config/settings.js';
import { readPidFile } from '../../internal/fsx/pidfile.js';
import { ConfigError } from '../../internal/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'gt-read-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function fifo(name: string): string {
  const p = join(dir, name);
  const r = spawnSync('mkfifo', [p]);
  if (r.status !== 0) throw new Error(`mkfifo failed: ${r.stderr}`);
  return p;
}

function sparse(name: string, bytes: number): string {
  const p = join(dir, name);
  const fd = openSync(p, 'w');
  ftruncateSync(fd, bytes);
  closeSync(fd);
  return p;
}

test('a FIFO is refused at once (nothing writes to it: a blocking read would hang forever)', () => {
  const r = readFileBounded(fifo('a.fifo'), { cap: 'small' });
  assert.equal(r, { ok: false, missing: false, invalid: 'is a FIFO, not a regular file' });
});

test('a link to /dev/zero is refused as a character device, not read', () => {
  const p = join(dir, 'zero.json');
  symlinkSync('/dev/zero', p);
  const r = readFileBounded(p, { cap: 'config' });
  assert.equal(r, { ok: false, missing: false, invalid: 'is a character device, not a regular file' });
  // Where gt writes the file itself, the link is refused before anything is opened through it.
  const nf = readFileBounded(p, { cap: 'small', noFollow: true });
  assert.ok(!nf.ok && !nf.missing && /symbolic link/.test(nf.invalid), JSON.stringify(nf));
});

test('a sparse 1 GB file is refused by its size, and nothing near its size is allocated', () => {
  const p = sparse('huge.json', 1024 * 1024 * 1024);
  const before = process.memoryUsage().rss;
  const r = readFileBounded(p, { cap: 'config' });
  assert.ok(!r.ok && !r.missing && /too large \(1024 MB; at most 1 MB/.test(r.invalid), JSON.stringify(r));
  assert.ok(process.memoryUsage().rss - before < 64 * 1024 * 1024, 'no gigabyte was allocated');
  // The tail reader reads only the end, however large the file.
  const t = readTailBounded(p, 1000);
  assert.ok(t.ok && t.data.length === 1000 && t.size === 1024 * 1024 * 1024);
});

test('a file at its cap is read whole; one byte more is invalid', () => {
  const p = join(dir, 'cap.txt');
  writeFileSync(p, 'x'.repeat(100));
  const ok = readFileBounded(p, { cap: 100 });
  assert.ok(ok.ok && ok.data.length === 100);
  writeFileSync(p, 'x'.repeat(101));
  const bad = readFileBounded(p, { cap: 100 });
  assert.ok(!bad.ok && !bad.missing && /too large/.test(bad.invalid));
  assert.equal(readFileBounded(join(dir, 'nope'), { cap: 100 }), { ok: false, missing: true });
});

test('readJsonFile: an invalid file is one ConfigError line "invalid: <why>", a missing optional one is absent', () => {
  const schema = z.object({ a: z.number() }).optional();
  const p = fifo('hb.json');
  try {
    readJsonFile(p, schema, { kind: 'heartbeat', label: '.runtime/heartbeats/x.json' });
    assert.unreachable('a FIFO must not parse');
  } catch (e) {
    assert.instance(e, ConfigError);
    assert.is((e as ConfigError).line, '.runtime/heartbeats/x.json: invalid: is a FIFO, not a regular file; replace it with a regular file');
  }
  assert.is(readJsonFile(join(dir, 'missing.json'), schema, { kind: 'heartbeat', ifMissing: undefined }), undefined);
  // Settings follow a link a person made (dotfiles), but only to a regular file.
  const cfgDir = join(dir, 'settings');
  mkdirSync(cfgDir);
  writeFileSync(join(dir, 'real-config.json'), '{"agent": "sim"}');
  symlinkSync(join(dir, 'real-config.json'), join(cfgDir, 'config.json'));
  assert.is(loadSettings(join(cfgDir, 'config.json')).agent, 'sim');
  symlinkSync('/dev/zero', join(cfgDir, 'zero.json'));
  assert.throws(() => loadSettings(join(cfgDir, 'zero.json')), /settings\/config\.json: invalid: is a character device/);
  const big = sparse('big-config.json', 2 * READ_CAPS.config);
  assert.throws(() => loadSettings(big), /invalid: is too large/);
});

test('the pid file: a FIFO or a link there is no record (and never blocks)', () => {
  assert.is(readPidFile(fifo('daemon.pid')), undefined);
  const link = join(dir, 'linked.pid');
  writeFileSync(join(dir, 'target.pid'), '123\nabcdef0123456789\n');
  symlinkSync(join(dir, 'target.pid'), link);
  assert.is(readPidFile(link), undefined);
});

test('the daemon log is never written through a symlink planted at its path', () => {
  const logDir = join(dir, 'daemon');
  mkdirSync(logDir);
  const outside = join(dir, 'outside.txt');
  writeFileSync(outside, 'precious\n');
  const logPath = join(logDir, 'daemon.log');
  symlinkSync(outside, logPath);
  const log = createFileLogger(logPath, { maxBytes: 100_000, keep: 1 });
  log.info('hello');
  assert.is(readFileSync(outside, 'utf8'), 'precious\n', 'the link target is untouched');
  assert.ok(lstatSync(logPath).isFile(), 'a regular file took the link\'s place');
  const text = readFileSync(logPath, 'utf8');
  assert.match(text, /WARN .*daemon\.log was a symbolic link to ".*outside\.txt"; replaced it with a regular file/);
  assert.match(text, /INFO  hello/);
  // A FIFO there is replaced the same way (opening it for writing would block or fail).
  rmSync(logPath);
  fifo('daemon/daemon.log');
  const { fd, replaced } = openOwnedAppend(logPath);
  closeSync(fd);
  assert.match(replaced ?? '', /was a FIFO/);
});

test('log lines have control characters escaped', () => {
  const p = join(dir, 'esc.log');
  const log = createFileLogger(p, { maxBytes: 100_000, keep: 1 });
  log.info('title \u001b]0;PWN\u0007\u001b[2J done');
  assert.match(readFileSync(p, 'utf8'), /INFO  title \\x1b\]0;PWN\\x07\\x1b\[2J done\n$/);
});

test('ensureDir: ends with one clear error where mkdir -p would spin or say ENOTDIR', () => {
  assert.throws(() => ensureDir('/proc/gt-no-such/x'), /cannot create directory \/proc\/gt-no-such: this filesystem does not allow creating it/);
  const file = join(dir, 'plain-file');
  writeFileSync(file, '');
  assert.throws(() => ensureDir(join(file, 'sub', 'deeper')), new RegExp(`${file} is not a directory`));
  ensureDir(join(dir, 'a', 'b', 'c'));
  assert.ok(lstatSync(join(dir, 'a', 'b', 'c')).isDirectory());
});

test.run();

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomicSync } from '../../internal/fsx/atomic.js';
import { tryLockExclusive } from '../../internal/fsx/flock.js';
import { readPidFile, removePidFileIfOwned, writePidFile } from '../../internal/fsx/pidfile.js';
import { flockHolders, pidExists, processStartTime } from '../../internal/fsx/proc.js';

const dir = mkdtempSync(join(tmpdir(), 'gt-fsx-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('atomic write replaces content and leaves no temp files', () => {
  const p = join(dir, 'state.json');
  for (let i = 0; i < 50; i++) writeFileAtomicSync(p, `{"n":${i}}`);
  assert.is(readFileSync(p, 'utf8'), '{"n":49}');
  assert.equal(readdirSync(dir).filter((f) => f.includes('state')), ['state.json']);
});

test('pid file round-trips and is removed only by its owner', () => {
  const p = join(dir, 'daemon.pid');
  writePidFile(p, { pid: 1234, nonce: 'abcdef0123456789' });
  assert.is(readFileSync(p, 'utf8'), '1234\nabcdef0123456789\n');
  assert.equal(readPidFile(p), { pid: 1234, nonce: 'abcdef0123456789' });
  assert.not.ok(removePidFileIfOwned(p, { pid: 1234, nonce: 'ffffffffffffffff' }), 'wrong nonce');
  assert.ok(removePidFileIfOwned(p, { pid: 1234, nonce: 'abcdef0123456789' }));
  assert.is(readPidFile(p), undefined);
  writeFileSync(p, 'garbage');
  assert.is(readPidFile(p), undefined, 'malformed content is no record');
});

test('flock is exclusive across processes and /proc/locks names the holder', async () => {
  const lockPath = join(dir, 'x.lock');
  // A real second process holds the lock.
  const holder = spawn(process.execPath, ['--import', 'tsx', '-e', `
    const { tryLockExclusive } = await import(${JSON.stringify(new URL('../../internal/fsx/flock.ts', import.meta.url).pathname)});
    const l = tryLockExclusive(${JSON.stringify(lockPath)});
    console.log(l ? 'held' : 'lost');
    setInterval(() => {}, 1000);
  `], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      holder.stdout!.on('data', (d) => (String(d).includes('held') ? resolve() : reject(new Error(String(d)))));
      holder.on('exit', () => reject(new Error('holder exited')));
    });
    assert.equal(flockHolders(lockPath), [holder.pid]);
    assert.is(tryLockExclusive(lockPath), undefined, 'second locker loses');
  } finally {
    holder.kill('SIGKILL');
    await new Promise((r) => holder.once('exit', r));
  }
  // The holder died: the lock is free without anyone cleaning up.
  const mine = tryLockExclusive(lockPath);
  assert.ok(mine);
  assert.equal(flockHolders(lockPath), [process.pid]);
  mine!.release();
  assert.equal(flockHolders(lockPath), []);
});

test('process identity: start time tells a live pid from a recycled one', () => {
  const st = processStartTime(process.pid);
  assert.type(st, 'number');
  assert.is(processStartTime(process.pid), st);
  assert.ok(pidExists(process.pid));
  assert.not.ok(pidExists(2 ** 22 + 12345));
  assert.is(processStartTime(2 ** 22 + 12345), undefined);
});

test.run();

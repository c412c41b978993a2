/**
 * A town too deep for its control socket. Linux holds a unix socket path in 108 bytes and Node
 * silently truncates a longer one, so the daemon would listen on a cut-off path outside its
 * town (one another deep town could share). gt refuses instead, with one clear line.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { daemonPids, gt, tempDir } from '../helpers/town.js';

const dir = tempDir('gt-long-');
test.after(async () => {
  for (const d of [join(dir, 'short'), deep]) if (existsSync(join(d, 'mayor'))) await gt(['daemon', 'stop', '--town', d]);
  rmSync(dir, { recursive: true, force: true });
});
// `<dir>/<name>/daemon/control.sock` over 107 bytes, whatever the temp dir's length.
const deep = join(dir, 't'.repeat(Math.max(1, 108 - join(dir, 'x', 'daemon', 'control.sock').length + 1)));
const socketOf = (root: string) => join(root, 'daemon', 'control.sock');

test('gt install refuses a path too long for the socket and makes nothing', async () => {
  assert.ok(Buffer.byteLength(socketOf(deep)) > 107, 'the test path is long enough');
  const r = await gt(['install', deep]);
  assert.is(r.code, 1, r.stderr + r.stdout);
  assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /control socket path too long: .* is \d+ bytes.*at most 107.*shorter path/);
  assert.not.ok(existsSync(deep), 'nothing was created');
});

test('a town moved too deep: daemon start fails with the reason, no truncated socket, status says why', async () => {
  const short = join(dir, 'short');
  const i = await gt(['install', short, '--agent', 'sim']);
  assert.is(i.code, 0, i.stderr);
  renameSync(short, deep);
  const start = await gt(['daemon', 'start', '--town', deep]);
  assert.is(start.code, 1, start.stderr + start.stdout);
  assert.match(start.stderr, /control socket path too long/);
  assert.equal(daemonPids(deep), []);
  const truncated = socketOf(deep).slice(0, 107);
  assert.not.ok(existsSync(truncated), `nothing listens at the truncated path ${truncated}`);
  const status = await gt(['daemon', 'status', '--town', deep]);
  assert.is.not(status.code, 0);
  assert.match(status.stdout + status.stderr, /control socket path too long/);
});

test.run();

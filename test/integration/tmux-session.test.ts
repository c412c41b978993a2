/**
 * internal/tmux sessions on a real tmux server with a private socket (never the default server):
 * snapshot, create (env, cwd, instant death), exact targeting, kill with the whole process tree,
 * hostile names.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidInputError } from '../../internal/errors.js';
import { processStartTime, pidRunning } from '../../internal/fsx/proc.js';
import {
  Tmux,
  SessionExistsError,
  capturePane,
  createSession,
  findSession,
  getSessionEnv,
  hasSession,
  killServer,
  killSession,
  setSessionEnv,
  snapshot,
  unsetSessionEnv,
} from '../../internal/tmux/index.js';
import { privateServers } from '../helpers/tmux-servers.js';
import { tempDir, waitFor } from '../helpers/town.js';

/** Private servers (`gt-test-<pid>-<n>`), stopped by socket name after the file. */
const servers = privateServers();
const privateTmux = (): Tmux => servers.next();
const dir = tempDir('gt-tmux-session-');
/** Pids started by tests that must be gone by the end (checked, never killed by name). */
const recorded = new Map<number, number | undefined>();
const record = (...pids: number[]) => pids.forEach((p) => recorded.set(p, processStartTime(p)));

test.after(async () => {
  await servers.cleanup();
  rmSync(dir, { recursive: true, force: true });
  for (const [pid, start] of recorded) {
    // Only pids this file recorded, and only if they are still the same process (start time).
    try {
      if (start !== undefined && pidRunning(pid) && processStartTime(pid) === start) process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
});

async function paneOf(t: Tmux, name: string) {
  const snap = await snapshot(t);
  assert.ok(snap.ok, 'snapshot ok');
  return findSession(snap, name)?.panes[0];
}

test('snapshot of a socket with no server is empty, not an error', async () => {
  const t = privateTmux();
  const snap = await snapshot(t);
  assert.equal(snap.ok, true);
  assert.equal(snap.ok && snap.sessions, []);
});

test('snapshot failure other than "no server" is not ok (unknown), never empty', async () => {
  // A tmux binary that fails the way a broken server does.
  const bad = join(dir, 'bad-tmux');
  writeFileSync(bad, '#!/bin/sh\necho "server exited unexpectedly" >&2\nexit 1\n', { mode: 0o755 });
  const t = new Tmux(`gt-test-${process.pid}-bad`, { bin: bad });
  const snap = await snapshot(t);
  assert.equal(snap.ok, false);
  assert.ok(!snap.ok && snap.error.code === 'TMUX_FAILED');
  assert.ok(!snap.ok && snap.error.stderr.includes('server exited unexpectedly'));
  // A hung tmux is bounded by the timeout and also unknown.
  const slow = join(dir, 'slow-tmux');
  writeFileSync(slow, '#!/bin/sh\nexec sleep 30\n', { mode: 0o755 });
  const ts = new Tmux(`gt-test-${process.pid}-slow`, { bin: slow, timeoutMs: 300 });
  const s2 = await snapshot(ts);
  assert.equal(s2.ok, false);
  assert.ok(!s2.ok && s2.error.timedOut);
});

test('create: env (-e and markers) and cwd reach the command; snapshot reports the pane', async () => {
  const t = privateTmux();
  const cwd = join(dir, 'work dir #1');
  mkdirSync(cwd, { recursive: true });
  const out = join(dir, 'env-out.txt');
  const hostile = `$(touch ${join(dir, 'pwned')}) 'q' "d" ; \\ #{pane_id} ;`;
  const r = await createSession(t, {
    name: 'env-1',
    cwd,
    env: { GT_ROLE: 'witness', HOSTILE: hostile },
    command: ['sh', '-c', `pwd > "$1"; printf '%s\\n' "$GT_ROLE" "$HOSTILE" "$GT_SESSION" "$GT_TMUX_SOCKET" >> "$1"; exec sleep 1000`, 'sh', out],
    healthWindowMs: 300,
  });
  assert.equal(r.died, false);
  const lines = await waitFor('the command to write its env', () => {
    const l = existsSync(out) ? readFileSync(out, 'utf8').split('\n') : [];
    return l.length >= 5 ? l : undefined;
  });
  assert.equal(lines[0], realpathSync(cwd));
  assert.equal(lines[1], 'witness');
  assert.equal(lines[2], hostile);
  assert.equal(lines[3], 'env-1');
  assert.equal(lines[4], t.socket);
  assert.not.ok(existsSync(join(dir, 'pwned')), 'no shell ran the hostile value');
  const snap = await snapshot(t);
  assert.ok(snap.ok);
  const s = findSession(snap, 'env-1');
  assert.ok(s, 'session in snapshot');
  const p = s!.panes[0]!;
  assert.match(p.paneId, /^%\d+$/);
  assert.ok(p.pid > 0 && !r.died && p.pid === r.pid);
  assert.equal(p.dead, false);
  assert.ok(s!.created > 0 && p.windowActivity > 0 && s!.activity > 0);
  assert.ok(snap.ok && snap.serverPid && snap.serverPid > 0);
  await waitFor('pane command to become sleep', async () => (await paneOf(t, 'env-1'))?.currentCommand === 'sleep');
  // A second create with the same name is refused, typed.
  try {
    await createSession(t, { name: 'env-1', cwd, command: 'sleep 1' });
    assert.unreachable('duplicate accepted');
  } catch (e) {
    assert.instance(e, SessionExistsError);
  }
  await killServer(t);
});

test('create: a string command runs under /bin/sh -c; a missing cwd is refused', async () => {
  const t = privateTmux();
  const out = join(dir, 'str-out.txt');
  const r = await createSession(t, { name: 'str', cwd: dir, command: `echo "a b" > '${out}'; exec sleep 1000`, healthWindowMs: 200 });
  assert.equal(r.died, false);
  await waitFor('string command output', () => existsSync(out) && readFileSync(out, 'utf8') === 'a b\n');
  try {
    await createSession(t, { name: 'nocwd', cwd: join(dir, 'missing'), command: 'true' });
    assert.unreachable();
  } catch (e) {
    assert.is((e as { code?: string }).code, 'NOT_FOUND');
  }
  await killServer(t);
});

test('a command that dies at once reports its exit status, every time (20x)', async () => {
  const t = privateTmux();
  // Keep the server up between runs so each run measures create, not server start.
  await createSession(t, { name: 'keeper', cwd: dir, command: ['sleep', '1000'], healthWindowMs: 100 });
  for (let i = 0; i < 20; i++) {
    const r = await createSession(t, { name: `die-${i}`, cwd: dir, command: `echo boom-${i}; exit 7`, healthWindowMs: 400 });
    assert.equal(r.died, true, `run ${i} reported died`);
    assert.equal(r.died && r.exitStatus, 7, `run ${i} exit status`);
    assert.ok(r.died && r.output.includes(`boom-${i}`) || r.died, 'output captured when available');
    assert.equal(await hasSession(t, `die-${i}`), false, `run ${i}: dead session removed`);
  }
  // Exit status 0 at once is still a death (an agent must not exit at startup).
  const z = await createSession(t, { name: 'die-zero', cwd: dir, command: ['true'], healthWindowMs: 300 });
  assert.equal(z.died, true);
  assert.equal(z.died && z.exitStatus, 0);
  // A program that does not exist.
  const m = await createSession(t, { name: 'die-missing', cwd: dir, command: ['/nonexistent/agent-binary'], healthWindowMs: 300 });
  assert.equal(m.died, true);
  assert.ok(m.died && m.exitStatus !== 0);
  // Death after the health window closes the pane normally (remain-on-exit was switched off).
  const late = await createSession(t, { name: 'late', cwd: dir, command: 'sleep 1.5; exit 3', healthWindowMs: 200 });
  assert.equal(late.died, false);
  await waitFor('late death to close the session', async () => !(await hasSession(t, 'late')), 20_000);
  await killServer(t);
});

test('exact targeting: session "ab" is not "a"', async () => {
  const t = privateTmux();
  await createSession(t, { name: 'ab', cwd: dir, command: ['sleep', '1000'], healthWindowMs: 100 });
  assert.equal(await hasSession(t, 'ab'), true);
  assert.equal(await hasSession(t, 'a'), false);
  await setSessionEnv(t, 'ab', 'K', 'v');
  try {
    await setSessionEnv(t, 'a', 'K', 'v');
    assert.unreachable('set-environment on a prefix');
  } catch (e) {
    assert.is((e as { code?: string }).code, 'TMUX_FAILED');
  }
  try {
    await capturePane(t, 'a');
    assert.unreachable('capture on a prefix');
  } catch (e) {
    assert.is((e as { code?: string }).code, 'TMUX_FAILED');
  }
  const res = await killSession(t, 'a', { graceMs: 200 });
  assert.equal(res.existed, false);
  assert.equal(res.terminated, []);
  assert.equal(await hasSession(t, 'ab'), true, 'killing "a" left "ab" alone');
  await killServer(t);
});

test('kill reaches the whole tree including a setsid grandchild; idempotent', async () => {
  const t = privateTmux();
  const pidFile = join(dir, 'setsid.pid');
  const childFile = join(dir, 'child.pid');
  // The grandchild leaves the session (setsid: new session id, new process group) and the tree:
  // the subshell that started it exits at once, so it is reparented away from the pane.
  const script = `( setsid sh -c 'echo $$ > "${pidFile}"; exec sleep 1000' & ); sleep 1000 & echo $! > "${childFile}"; wait`;
  const r = await createSession(t, { name: 'tree', cwd: dir, command: ['sh', '-c', script], healthWindowMs: 200 });
  assert.equal(r.died, false);
  const setsidPid = await waitFor('setsid pid', () => (existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) || undefined : undefined));
  const childPid = await waitFor('child pid', () => (existsSync(childFile) ? Number(readFileSync(childFile, 'utf8')) || undefined : undefined));
  record(setsidPid, childPid);
  await waitFor('setsid grandchild running as sleep', () => readFileSync(`/proc/${setsidPid}/comm`, 'utf8').trim() === 'sleep');
  // It really escaped: its session id differs from the pane's.
  const sid = (pid: number) => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[4]);
  assert.not.equal(sid(setsidPid), sid(r.died ? 0 : r.pid));
  const ppid = (pid: number) => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
  await waitFor('grandchild reparented out of the pane tree', () => ppid(setsidPid) !== ppid(childPid));
  assert.not.equal(ppid(setsidPid), r.died ? 0 : r.pid, 'not a child of the pane process');
  const start = processStartTime(setsidPid);
  const res = await killSession(t, 'tree', { graceMs: 3_000 });
  assert.equal(res.existed, true);
  assert.ok(res.terminated.includes(setsidPid), 'setsid grandchild was signalled');
  await waitFor('setsid grandchild gone', () => !pidRunning(setsidPid) || processStartTime(setsidPid) !== start);
  await waitFor('child gone', () => !pidRunning(childPid));
  assert.equal(await hasSession(t, 'tree'), false);
  const again = await killSession(t, 'tree');
  assert.equal(again, { existed: false, terminated: [], killed: [] });
  await killServer(t);
  // With no server at all it is still fine.
  assert.equal((await killSession(t, 'tree')).existed, false);
});

test('kill escalates to SIGKILL for a process that ignores SIGTERM', async () => {
  const t = privateTmux();
  const pidFile = join(dir, 'stubborn.pid');
  const r = await createSession(t, {
    name: 'stubborn',
    cwd: dir,
    command: ['sh', '-c', `trap '' TERM HUP; echo $$ > "${pidFile}"; while :; do sleep 0.2; done`],
    healthWindowMs: 200,
  });
  assert.equal(r.died, false);
  const pid = await waitFor('stubborn pid', () => (existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) || undefined : undefined));
  record(pid);
  const res = await killSession(t, 'stubborn', { graceMs: 500 });
  assert.ok(res.killed.includes(pid), `SIGKILLed ${pid}: ${JSON.stringify(res)}`);
  await waitFor('stubborn gone', () => !pidRunning(pid));
  assert.equal(await hasSession(t, 'stubborn'), false);
  await killServer(t);
});

test('session env: set, read, unset', async () => {
  const t = privateTmux();
  await createSession(t, { name: 'envs', cwd: dir, command: ['sleep', '1000'], healthWindowMs: 100 });
  await setSessionEnv(t, 'envs', 'GT_RIG', 'my rig $(x);');
  assert.equal(await getSessionEnv(t, 'envs', 'GT_RIG'), 'my rig $(x);');
  assert.equal(await getSessionEnv(t, 'envs', 'GT_SESSION'), 'envs');
  await unsetSessionEnv(t, 'envs', 'GT_RIG');
  assert.equal(await getSessionEnv(t, 'envs', 'GT_RIG'), undefined);
  try {
    await setSessionEnv(t, 'envs', 'BAD KEY', 'x');
    assert.unreachable('bad key accepted');
  } catch (e) {
    assert.instance(e, InvalidInputError);
  }
  await killServer(t);
});

const HOSTILE = ['a;rm -rf x', '$(id)', '`id`', "it's", 'say "hi"', 'with space', 'ünïcødé', '名前', 'a:b', 'a.b', '#{pane_id}', '', 'a\nb', 'x'.repeat(101)];

test('hostile session names are refused before any tmux or shell runs', async () => {
  const t = privateTmux();
  const canary = join(dir, 'x');
  writeFileSync(canary, 'still here');
  for (const name of HOSTILE) {
    for (const op of [
      () => createSession(t, { name, cwd: dir, command: ['sleep', '1'] }),
      () => killSession(t, name),
      () => hasSession(t, name),
      () => setSessionEnv(t, name, 'K', 'v'),
      () => capturePane(t, name),
    ]) {
      let threw: unknown;
      try {
        await op();
      } catch (e) {
        threw = e;
      }
      assert.instance(threw, InvalidInputError, `refused ${JSON.stringify(name)}`);
    }
  }
  assert.equal(readFileSync(canary, 'utf8'), 'still here');
  // Nothing reached tmux: the server was never started.
  const snap = await snapshot(t);
  assert.ok(snap.ok && snap.sessions.length === 0);
  // Hostile socket names too.
  for (const s of ['../x', 'a/b', 'a b', '$(id)']) assert.throws(() => new Tmux(s), /invalid tmux socket name/);
});

test('killing the last sessions of a server, whose agents exit on TERM, is never an error (server empties under us)', async () => {
  for (let round = 0; round < 8; round++) {
    const tmux = privateTmux();
    const names = [`last-a${round}`, `last-b${round}`];
    for (const name of names) {
      const r = await createSession(tmux, { name, cwd: dir, command: ['sleep', '600'], healthWindowMs: 200 });
      assert.is(r.died, false);
    }
    // In parallel, as gt down does: whichever finishes second finds the server gone or emptying.
    const results = await Promise.all(names.map((n) => killSession(tmux, n, { graceMs: 2_000 })));
    assert.ok(results.every((r) => r.existed));
    assert.is(await hasSession(tmux, names[0]!), false);
  }
});

test('a server kept up with no sessions (exit-empty off) is an empty snapshot, not a failure', async () => {
  const tmux = privateTmux();
  const r = await createSession(tmux, { name: 'only', cwd: dir, command: ['sleep', '600'], healthWindowMs: 200 });
  assert.is(r.died, false);
  await tmux.run(['set-option', '-s', 'exit-empty', 'off']);
  await killSession(tmux, 'only', { graceMs: 1_000 });
  const snap = await snapshot(tmux);
  assert.ok(snap.ok, snap.ok ? '' : snap.error.message);
  assert.equal(snap.ok ? snap.sessions : null, []);
  assert.is(await hasSession(tmux, 'only'), false);
});

test.run();

/**
 * The global pane-exited / session-closed hooks that tell the daemon a session died, on a real
 * tmux server with a private socket. The hook command here appends its arguments to a file.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidInputError } from '../../internal/errors.js';
import { Tmux, createSession, ensureHooks, hookStatus, installHooks, killServer, killSession, removeHooks, snapshot } from '../../internal/tmux/index.js';
import { privateServers } from '../helpers/tmux-servers.js';
import { tempDir, waitFor } from '../helpers/town.js';

/** Private servers (`gt-test-<pid>-<n>`), stopped by socket name after the file. */
const servers = privateServers();
const privateTmux = (): Tmux => servers.next();
const dir = tempDir('gt-tmux-hooks-');

test.after(async () => {
  await servers.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/** A hook command that records its arguments; its path holds a space, a quote and a '#'. */
function recorder(name: string): { argv: string[]; log: string; lines: () => string[] } {
  const sub = join(dir, `it's a #dir ${name}`);
  mkdirSync(sub, { recursive: true });
  const log = join(sub, 'hook log.txt');
  return {
    argv: ['/bin/sh', '-c', 'printf "%s\\n" "$*" >> "$0"', log],
    log,
    lines: () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []),
  };
}

test('hooks fire on pane exit and session close with the session name', async () => {
  const t = privateTmux();
  const rec = recorder('fire');
  await createSession(t, { name: 'keeper', cwd: dir, command: ['sleep', '1000'], healthWindowMs: 100 });
  const pid = await installHooks(t, rec.argv);
  const snap = await snapshot(t);
  assert.ok(snap.ok && pid === snap.serverPid, 'installHooks reports the server pid');

  // An agent that exits after its health window: its pane exits and its session closes.
  const r = await createSession(t, { name: 'agent-1', cwd: dir, command: 'sleep 1; exit 0', healthWindowMs: 200 });
  assert.equal(r.died, false);
  const paneId = r.died ? '' : r.paneId;
  await waitFor('pane-exited hook for agent-1', () => rec.lines().includes(`--event=pane-exited --session= --pane=${paneId}`), 30_000);
  await waitFor('session-closed hook for agent-1', () => rec.lines().includes('--event=session-closed --session=agent-1 --pane='), 30_000);

  // A session gt kills.
  await createSession(t, { name: 'agent-2', cwd: dir, command: ['sleep', '1000'], healthWindowMs: 100 });
  await killSession(t, 'agent-2', { graceMs: 2_000 });
  await waitFor('session-closed hook for agent-2', () => rec.lines().includes('--event=session-closed --session=agent-2 --pane='), 30_000);
  assert.not.ok(rec.lines().some((l) => l.includes('keeper')), 'the live session never reported');

  // A second pane exiting reports its pane id while the session lives on.
  await createSession(t, { name: 'agent-3', cwd: dir, command: ['sleep', '1000'], healthWindowMs: 100 });
  const split = execFileSync('tmux', ['-L', t.socket, 'split-window', '-t', '=agent-3:', '-P', '-F', '#{pane_id}', 'sleep 0.3'], { encoding: 'utf8' }).trim();
  await waitFor('pane-exited hook for the second pane', () => rec.lines().includes(`--event=pane-exited --session= --pane=${split}`), 30_000);
  assert.not.ok(rec.lines().some((l) => l.includes('agent-3')), 'agent-3 itself did not close');
  await killServer(t);
});

test('a hostile session name created behind gt\'s back reaches the hook as literal text', async () => {
  const t = privateTmux();
  const rec = recorder('hostile');
  const pwned = join(dir, 'pwned');
  await createSession(t, { name: 'keeper', cwd: dir, command: ['sleep', '1000'], healthWindowMs: 100 });
  await installHooks(t, rec.argv);
  // Someone else's session on this socket, named to inject into a shell.
  const evil = `$(touch ${pwned}) \`touch ${pwned}\`;'" |&<>*?[ =%~{a,b} !x`;
  const id = execFileSync('tmux', ['-L', t.socket, 'new-session', '-d', '-s', evil, '-P', '-F', '#{session_id}', 'sleep', '1000'], { encoding: 'utf8' }).trim();
  // By session id: a name starting with '$' cannot be targeted by name at all.
  execFileSync('tmux', ['-L', t.socket, 'kill-session', '-t', id]);
  const line = await waitFor('hook for the hostile session', () => rec.lines().find((l) => l.startsWith('--event=session-closed') && !l.includes('keeper')), 30_000);
  assert.equal(line, `--event=session-closed --session=${evil} --pane=`);
  assert.not.ok(existsSync(pwned), 'no shell ran the name');
  await killServer(t);
});

test('hook status: detect, reinstall after a server restart, remove; argv is validated', async () => {
  const t = privateTmux();
  const rec = recorder('status');
  assert.equal(await hookStatus(t, rec.argv), { installed: false, noServer: true });
  assert.equal((await ensureHooks(t, rec.argv)).noServer, true, 'nothing to install into without a server');
  await createSession(t, { name: 'keeper', cwd: dir, command: ['sleep', '1000'], healthWindowMs: 100 });
  const s0 = await hookStatus(t, rec.argv);
  assert.equal(s0.installed, false);
  assert.ok(s0.serverPid && s0.serverPid > 0);
  const s1 = await ensureHooks(t, rec.argv);
  assert.equal(s1.installed, true);
  assert.equal((await hookStatus(t, rec.argv)).installed, true);
  // A different command (e.g. gt moved) counts as not installed.
  assert.equal((await hookStatus(t, [...rec.argv, 'extra'])).installed, false);
  // The server dies and comes back: the hooks are gone with it.
  await killServer(t);
  await createSession(t, { name: 'keeper', cwd: dir, command: ['sleep', '1000'], healthWindowMs: 100 });
  const s2 = await hookStatus(t, rec.argv);
  assert.equal(s2.installed, false);
  assert.not.equal(s2.serverPid, s0.serverPid);
  assert.equal((await ensureHooks(t, rec.argv)).installed, true);
  await removeHooks(t);
  assert.equal((await hookStatus(t, rec.argv)).installed, false);
  for (const bad of [[], [''], ['/bin/sh', 'a\nb'], ['x\0y']]) {
    try {
      await installHooks(t, bad);
      assert.unreachable(`accepted ${JSON.stringify(bad)}`);
    } catch (e) {
      assert.instance(e, InvalidInputError);
    }
  }
  assert.equal(readdirSync(dir).includes('pwned'), false);
  await killServer(t);
});

test.run();

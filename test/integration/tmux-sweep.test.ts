/**
 * The leftovers sweep for one session (what the daemon runs before starting a session again):
 * a setsid child of a session that is gone is ended; while the session exists nothing is
 * touched; another session's processes never are.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pidRunning, processStartTime } from '../../internal/fsx/proc.js';
import { createSession, sweepSessionLeftovers } from '../../internal/tmux/index.js';
import { privateServers } from '../helpers/tmux-servers.js';
import { tempDir, waitFor } from '../helpers/town.js';

const servers = privateServers();
const dir = tempDir('gt-sweep-');
const started: Array<{ pid: number; start: number | undefined }> = [];

test.after(async () => {
  await servers.cleanup();
  // Anything of ours still alive is a failure, and ended here by its recorded pid.
  for (const { pid, start } of started) if (pidRunning(pid) && processStartTime(pid) === start) process.kill(pid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** A session whose command leaves a setsid child (own session, ignores SIGHUP) and reports its pid. */
async function sessionWithChild(t: ReturnType<typeof servers.next>, name: string): Promise<number> {
  const pidFile = join(dir, `${name}.child`);
  const r = await createSession(t, {
    name,
    cwd: dir,
    command: `setsid sh -c 'trap "" HUP; echo $$ > ${pidFile}; exec sleep 600' & exec sleep 600`,
    healthWindowMs: 200,
  });
  assert.not.ok(r.died);
  const child = await waitFor(`${name}'s child`, () => Number(readFileSync(pidFile, 'utf8').trim()) || undefined, 10_000);
  started.push({ pid: child, start: processStartTime(child) });
  return child;
}

test('a setsid child of a gone session is swept; a live session and another session are not', async () => {
  const t = servers.next();
  const gone = await sessionWithChild(t, 'agent-a');
  const other = await sessionWithChild(t, 'agent-b');

  // While agent-a exists its processes are its own, not leftovers.
  const live = await sweepSessionLeftovers(t, 'agent-a');
  assert.is(live.skipped, 'session agent-a exists');
  assert.ok(pidRunning(gone));

  // The session dies the way a crash leaves it: tmux closes it, the escaped child lives on.
  await t.run(['kill-session', '-t', '=agent-a']);
  await new Promise((r) => setTimeout(r, 300));
  assert.ok(pidRunning(gone), 'the setsid child outlived its session');

  const r = await sweepSessionLeftovers(t, 'agent-a', { graceMs: 2_000 });
  assert.equal(r.skipped, undefined);
  assert.ok(r.terminated.includes(gone), `terminated ${r.terminated.join(', ')}`);
  await waitFor('the leftover ended', () => !pidRunning(gone), 10_000);
  assert.ok(pidRunning(other), "another session's child is untouched");
});

test.run();

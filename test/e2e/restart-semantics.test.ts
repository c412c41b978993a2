/**
 * Issue 8, with the DEFAULT restart settings and the default 3m recovery interval: deaths are
 * acted on when their decision falls due, not at the next interval tick.
 *   - kill -9 of the deacon 2 s after gt up: the first death after a start, restarted at once;
 *   - a second quick death backs off (30s, logged with its end) and is restarted within 1 s of
 *     that logged end, long before the interval tick;
 *   - tmux kill-server right after gt up: every supervised session back within seconds, the
 *     daemon alive.
 * When an agent came back is read from the daemon's record of its new run: the agent process's
 * start time (/proc), so the test's own polling on a busy box does not add to it.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { faultTown, type FaultTown } from '../helpers/engine-faults.js';
import { daemonPids, waitFor } from '../helpers/town.js';

let ft: FaultTown;

/** The deacon's running gt-sim pid (its pane runs the sim itself: exec), or undefined. */
function deaconPid(): number | undefined {
  const pid = ft.panePid('hq-deacon');
  if (pid === undefined) return undefined;
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'gt-sim' ? pid : undefined;
  } catch {
    return undefined;
  }
}

interface Run {
  since: number;
  pid?: number;
}

/** The run the daemon recorded for an agent (restart_state.json), if any. */
function runOf(identity: string): Run | undefined {
  try {
    return JSON.parse(readFileSync(join(ft.root, 'daemon', 'restart_state.json'), 'utf8')).agents[identity]?.running ?? undefined;
  } catch {
    return undefined;
  }
}

/** A new deacon running (a gt-sim in its pane) whose run the daemon recorded: that run. */
async function newDeacon(old: number, timeoutMs: number): Promise<Run & { pid: number }> {
  return waitFor('a new deacon running, its run recorded', () => {
    const p = deaconPid();
    const run = runOf('deacon');
    return p !== undefined && p !== old && run?.pid === p ? { ...run, pid: p } : undefined;
  }, timeoutMs, 50);
}

test.before(async () => {
  // Defaults everywhere that matters here: recovery_interval 3m, restart.* untouched.
  ft = await faultTown();
});

test.after(async () => {
  await ft.teardown();
});

test('kill -9 of the deacon 2 s after gt up: running again within a few seconds (a first death is restarted at once)', async () => {
  const up = JSON.parse(await ft.gtOk(['up', '--json']));
  assert.equal(up.sessions.map((s: { identity: string; status: string }) => `${s.identity}:${s.status}`).sort(), ['deacon:started', 'mayor:started']);
  const first = await waitFor('the deacon running', deaconPid, 15_000);
  await new Promise((r) => setTimeout(r, 2_000));
  const t0 = Date.now();
  process.kill(first, 'SIGKILL');
  const run = await newDeacon(first, 30_000);
  const took = run.since - t0;
  console.log(`  deacon started again ${took}ms after kill -9 (interval 3m)`);
  assert.ok(took < 5_000, `took ${took}ms`);
  await waitFor('the death logged', () => ft.log().some((l) => /deacon died after \ds: first short run since its start; restarting at once/.test(l)), 10_000);
});

test('a second quick death backs off from the death and is restarted within 1 s after its logged backoff end', async () => {
  const second = await waitFor('the deacon running', deaconPid, 15_000);
  // Its run is recorded when the restart tick ends; kill it well inside min_uptime (30s).
  await waitFor('the restart recorded', () => runOf('deacon')?.pid === second, 10_000);
  const mark = ft.log().length;
  process.kill(second, 'SIGKILL');
  const line = await waitFor('the backoff logged', () => ft.log().slice(mark).find((l) => /deacon died after \d+s: short run 2 in a row; restart backoff until /.test(l)), 10_000);
  const backoffEnd = Date.parse(/backoff until (\S+)$/.exec(line)![1]!);
  assert.ok(backoffEnd - Date.now() > 20_000, 'a 30s backoff, measured from the death');
  // The daemon says what it waits for.
  const status = JSON.parse(await ft.gtOk(['daemon', 'status', '--json']));
  assert.is(status.next_tick_reason, 'deacon backoff ends');
  assert.is(Date.parse(status.next_tick), backoffEnd);
  const human = await ft.gtOk(['daemon', 'status']);
  assert.match(human, /next wake\s+\S+ \(deacon backoff ends\)/);
  assert.is(deaconPid(), undefined, 'not restarted during its backoff');
  const third = await newDeacon(second, 60_000);
  const late = third.since - backoffEnd;
  console.log(`  restarted ${late}ms after the logged backoff end`);
  assert.ok(late >= 0, `restarted ${-late}ms before the backoff ended`);
  assert.ok(late < 1_000, `restarted ${late}ms after the backoff ended`);
  const agents = JSON.parse(await ft.gtOk(['agents', '--json'])) as Array<{ identity: string; crashes: number; last_exit: { ran_ms: number; crash: boolean } | null }>;
  const deacon = agents.find((a) => a.identity === 'deacon')!;
  assert.is(deacon.crashes, 2);
  assert.is(deacon.last_exit!.crash, true);
});

test('tmux kill-server right after gt up: every supervised session back within a few seconds; the daemon survives', async () => {
  await ft.gtOk(['down']);
  const up = JSON.parse(await ft.gtOk(['up', '--json']));
  const daemon = up.daemon.pid as number;
  assert.equal(ft.sessions(), ['hq-deacon', 'hq-mayor']);
  const before = { deacon: runOf('deacon')?.pid, mayor: runOf('mayor')?.pid };
  const t0 = Date.now();
  ft.tmux('kill-server');
  const runs = await waitFor('every supervised session back, its run recorded', () => {
    if (ft.sessions().join(',') !== 'hq-deacon,hq-mayor' || deaconPid() === undefined) return undefined;
    const r = { deacon: runOf('deacon'), mayor: runOf('mayor') };
    return r.deacon && r.mayor && r.deacon.pid !== before.deacon && r.mayor.pid !== before.mayor ? r : undefined;
  }, 30_000, 50);
  const took = Math.max(runs.deacon!.since, runs.mayor!.since) - t0;
  console.log(`  sessions started again ${took}ms after kill-server (interval 3m)`);
  assert.ok(took < 6_000, `took ${took}ms`);
  assert.equal(daemonPids(ft.root), [daemon], 'the same daemon');
  assert.ok(ft.log().some((l) => /tmux server pid \d+ exited; reconciling now/.test(l)));
});

test.run();

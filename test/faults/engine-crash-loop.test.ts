/**
 * Fault 2 (issue 5): an agent that exits at once on every start. Each failed start is a short run
 * (a crash): the first is retried at once, the next ones back off from the failure, the crash loop
 * stops them at the limit with exactly one CRASH_LOOP mail (to mayor/, as the mayor is a town
 * agent) and one log line, they stay stopped over many ticks, and after the decay time
 * (stable_after after the last crash) the agent is tried again.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gt, makeTown, readJson, townSocket, waitFor, type TempTown } from '../helpers/town.js';

let town: TempTown;
let socket: string;
const tmux = (...args: string[]) => spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
const logLines = () => readFileSync(join(town.root, 'daemon', 'daemon.log'), 'utf8').split('\n').filter(Boolean);
const restartState = () => readJson(join(town.root, 'daemon', 'restart_state.json')).agents.mayor as {
  crashes: number[];
  lastStart: number;
  backoffUntil: number;
  crashLoop: { since: number; alerted: boolean } | null;
};
const tickCount = () => readJson(join(town.root, 'daemon', 'state.json')).tick_count as number;
/** Start attempts of the mayor, as act logs them (each one fails: the command exits 3). */
const attempts = () => logLines().filter((l) => /start mayor failed: sh exited with status 3/.test(l));
async function crashLoopMail(): Promise<string[]> {
  const r = await gt(['mail', 'inbox', 'mayor/', '--json', '--town', town.root]);
  assert.is(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as Array<{ subject: string }>).map((m) => m.subject).filter((s) => s.startsWith('CRASH_LOOP:'));
}

/** The wait after each crash: none after the first (a first death is retried at once), then the backoff. */
const BACKOFF = [0, 300, 600];
const STABLE_AFTER = 6000;

test.before(async () => {
  town = await makeTown({
    agent: 'sim',
    settings: {
      daemon: { recovery_interval: '250ms' },
      agents: { crashy: { command: 'sh', args: ['-c', 'exit 3'], process_names: ['sh'] } },
      roles: { mayor: { agent: 'crashy' } },
      restart: { initial_backoff: '300ms', multiplier: 2, max_backoff: '10s', crash_loop_count: 4, crash_loop_window: '1m', stable_after: '6s' },
    },
  });
  socket = await townSocket(town.root);
  // The deacon (a quiet sim) keeps the town's tmux server up between the mayor's deaths.
  town.daemonSettings({ env: { GT_SIM_WORK: '0' } });
});

test.after(async () => {
  await gt(['down', '--town', town.root]);
  tmux('kill-server');
  await town.cleanup();
});

test('restarts back off, stop at the crash-loop limit with one CRASH_LOOP mail and log line, then resume after the decay', async () => {
  const start = await gt(['daemon', 'start', '--town', town.root]);
  assert.is(start.code, 0, start.stderr);

  // 4 failed starts (crash_loop_count short runs) and then the crash loop.
  await waitFor('the crash loop', () => {
    const s = restartState();
    return s?.crashLoop?.alerted === true;
  }, 20_000, 100);
  const s = restartState();
  assert.is(s.crashes.length, 4, JSON.stringify(s));
  assert.is(s.crashLoop!.since, s.crashes[3]);
  for (let i = 1; i < 4; i++) {
    const gap = s.crashes[i]! - s.crashes[i - 1]!;
    // Never before the backoff ends; and not much later either (a deadline wakes the daemon).
    assert.ok(gap >= BACKOFF[i - 1]!, `crash ${i + 1} came ${gap}ms after crash ${i}, backoff is ${BACKOFF[i - 1]}ms`);
    assert.ok(gap < BACKOFF[i - 1]! + 4000, `crash ${i + 1} came ${gap}ms after crash ${i}`);
  }
  console.log(`  crash gaps: ${s.crashes.slice(1).map((t, i) => t - s.crashes[i]!).join('ms, ')}ms`);
  await waitFor('the fourth failed start logged', () => attempts().length === 4, 5_000);

  // Sitting out the crash loop: many ticks, no start, exactly one mail, one CRASH_LOOP log line.
  await waitFor('the CRASH_LOOP log line', () => logLines().some((l) => /ERROR .*CRASH_LOOP: mayor/.test(l)), 5_000);
  // The daemon's own tick lines name the deadline that woke it ("mayor backoff ends"): not lines about the mayor.
  const mayorLines = () => logLines().filter((l) => /\bmayor\b/.test(l) && !/fast path: |DEBUG tick \d+ /.test(l));
  const linesAtLoop = mayorLines().length;
  const ticks0 = tickCount();
  await waitFor('8 more ticks', () => tickCount() >= ticks0 + 8, 10_000, 50);
  assert.ok(Date.now() < s.crashLoop!.since + STABLE_AFTER - 500, 'still inside the crash loop (the box is too slow for this test)');
  assert.is(attempts().length, 4, 'no start during the crash loop');
  assert.equal(await crashLoopMail(), ['CRASH_LOOP: mayor died after 4 short runs (under 30s) within 60s; restarts stopped']);
  const loopLines = logLines().filter((l) => /ERROR .*CRASH_LOOP: mayor/.test(l));
  assert.is(loopLines.length, 1, loopLines.join('\n'));
  assert.is(logLines().filter((l) => /mail to mayor\/: CRASH_LOOP: mayor/.test(l)).length, 1);
  // At most one line per state change: 4 failed starts, one start-failed report, at most one
  // backoff line per backoff (3), one CRASH_LOOP error and one mail line; nothing per tick.
  assert.is(mayorLines().length, linesAtLoop, 'no mayor lines while the crash loop holds');
  assert.ok(linesAtLoop <= 4 + 1 + 3 + 1 + 1, mayorLines().join('\n'));

  // After stable_after without a crash the crash loop decays and the mayor is tried again.
  await waitFor('the retry after the decay', () => attempts().length >= 5, STABLE_AFTER + 10_000, 100);
  const retry = await waitFor('the retry recorded', () => {
    const r = restartState();
    return r.lastStart > s.crashLoop!.since ? r : undefined;
  }, 5_000);
  const waited = retry.lastStart - s.crashLoop!.since;
  console.log(`  retried ${waited}ms after the crash loop began (stable_after ${STABLE_AFTER}ms)`);
  assert.ok(waited >= STABLE_AFTER, `retried after ${waited}ms`);
  assert.ok(waited < STABLE_AFTER + 3000, `retried after ${waited}ms`);
  await waitFor('the retry failed and counted', () => restartState().crashes.length === 1, 5_000);
  assert.is(restartState().crashes.length, 1, 'the crash count starts afresh');
  assert.is(retry.crashLoop, null);
  // Still exactly the one alert (a second loop needs 3 more crashes, 0.9s of backoff, away).
  assert.is((await crashLoopMail()).length, 1);
  await gt(['daemon', 'stop', '--town', town.root]);
});

test.run();

/**
 * The engine's CLI surface against a real daemon: `gt daemon clear-backoff` on a crash-looping
 * agent, the restart fields of `gt agents`, and `gt feed` streaming the daemon's events.
 *
 * The town: the deacon runs the sim; the mayor runs a custom runtime that exits at once
 * (`sh -c "exit 3"`), so the daemon backs off and then declares a crash loop within seconds.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GT_BIN, daemonPids, gt, makeTown, readJson, townSocket, waitFor, type TempTown } from '../helpers/town.js';
import { pidRunning } from '../../internal/fsx/proc.js';

let town: TempTown;
let socket: string;
let feed: ChildProcess | undefined;
let feedOut = '';
let feedErr = '';
let feedExit: number | null | undefined;

interface Row {
  identity: string;
  liveness: string;
  pid: number | null;
  crashes: number;
  next_attempt: string | null;
  crash_loop: string | null;
  last_start_error: { at: string; message: string } | null;
}

const agents = async (): Promise<Row[]> => {
  const r = await gt(['agents', '--json', '--town', town.root]);
  if (r.code !== 0) throw new Error(`gt agents failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Row[];
};
const agent = async (id: string): Promise<Row> => {
  const row = (await agents()).find((a) => a.identity === id);
  if (!row) throw new Error(`no ${id} in gt agents`);
  return row;
};
const restartState = () => readJson<{ agents: Record<string, { lastStart: number; crashes: number[]; crashLoop: unknown; backoffUntil: number }> }>(join(town.root, 'daemon', 'restart_state.json'));
/** For failure messages: what the daemon did lately, and what the mayor's session holds. */
const logTail = (n = 25) => readFileSync(join(town.root, 'daemon', 'daemon.log'), 'utf8').trimEnd().split('\n').slice(-n).join('\n');
const mayorPanes = () => {
  const r = spawnSync('tmux', ['-L', socket, 'list-panes', '-s', '-t', '=hq-mayor', '-F', '#{pane_pid} #{pane_current_command} dead=#{pane_dead} status=#{pane_dead_status} created=#{session_created}'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : `none (${r.stderr.trim()})`;
};
const feedEvents = (): Array<Record<string, unknown>> =>
  feedOut
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);

test.before(async () => {
  town = await makeTown({
    agent: 'sim',
    settings: {
      daemon: { recovery_interval: '1s' },
      agents: { crashy: { command: 'sh', args: ['-c', 'exit 3'], process_names: ['sh'] } },
      roles: { mayor: { agent: 'crashy' } },
      restart: { initial_backoff: '2s', multiplier: 2, max_backoff: '4s', crash_loop_count: 3, crash_loop_window: '10m', stable_after: '1h' },
    },
  });
  socket = await townSocket(town.root);
});

test.after(async () => {
  if (feed?.pid && feedExit === undefined) {
    try {
      process.kill(feed.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  await gt(['down', '--town', town.root]).catch(() => undefined);
  spawnSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
  await town.cleanup();
});

test('gt feed without a daemon: exit 3, "daemon is not running"', async () => {
  const r = await gt(['feed', '--town', town.root], { timeoutMs: 15_000 });
  assert.is(r.code, 3, r.stderr);
  assert.match(r.stderr, /daemon is not running/);
  assert.is(r.stdout, '');
});

test('gt feed --json streams tick events from the daemon', async () => {
  const r = await gt(['daemon', 'start', '--town', town.root]);
  assert.is(r.code, 0, r.stderr);
  feed = spawn(process.execPath, [GT_BIN, 'feed', '--json', '-n', '0', '--town', town.root], { stdio: ['ignore', 'pipe', 'pipe'] });
  feed.stdout!.on('data', (d) => (feedOut += d));
  feed.stderr!.on('data', (d) => (feedErr += d));
  feed.on('exit', (code) => (feedExit = code));
  await waitFor('a tick_start and a tick_end on the feed', () => {
    const ev = feedEvents();
    return ev.some((e) => e.type === 'tick_start') && ev.some((e) => e.type === 'tick_end' && typeof e.counts === 'object');
  }, 20_000);
  const ev = feedEvents();
  for (const e of ev) {
    assert.type(e.seq, 'number');
    assert.ok(!Number.isNaN(Date.parse(String(e.time))), `time of ${JSON.stringify(e)}`);
  }
  const seqs = ev.map((e) => e.seq as number);
  assert.equal(seqs, [...seqs].sort((a, b) => a - b), 'events arrive in order');
  assert.is(feedExit, undefined, `feed still running (stderr: ${feedErr})`);
});

let loopSince = '';
test('a runtime that exits at once: gt agents shows its crashes, the next attempt (backoff), then the crash loop', async () => {
  let sawBackoff: Row | undefined;
  const mayor = await waitFor(
    'mayor in a crash loop',
    async () => {
      const m = await agent('mayor');
      if (m.next_attempt && !m.crash_loop) sawBackoff = m;
      return m.crash_loop ? m : undefined;
    },
    45_000,
    100,
  );
  assert.ok(sawBackoff, 'next_attempt was shown between the failed starts');
  assert.ok(Date.parse(sawBackoff!.next_attempt!) > 0);
  assert.is(mayor.crashes, 3);
  assert.is(mayor.next_attempt, null, 'in a crash loop there is no next attempt');
  assert.is(mayor.liveness, 'dead', `mayor ${mayor.liveness}; its panes: ${mayorPanes()}\n${logTail()}`);
  assert.ok(!Number.isNaN(Date.parse(mayor.crash_loop!)));
  assert.match(mayor.last_start_error?.message ?? '', /exited with status 3/);
  loopSince = mayor.crash_loop!;
  const deacon = await agent('deacon');
  assert.is(deacon.crash_loop, null);
  assert.is(deacon.last_start_error, null);

  const human = await gt(['agents', '--town', town.root]);
  assert.is(human.code, 0, human.stderr);
  assert.match(human.stdout.split('\n')[0]!, /CRASHES\s+LAST EXIT\s+NEXT/);
  const mayorLine = human.stdout.split('\n').find((l) => l.startsWith('mayor '));
  assert.match(mayorLine ?? '', /\s3\s+exit 3 after \d+s\s+crash loop\s/);

  // In the crash loop nothing more is tried: two more ticks leave its start time alone.
  const before = restartState().agents.mayor!.lastStart;
  for (let i = 0; i < 2; i++) assert.is((await gt(['daemon', 'tick', '--town', town.root])).code, 0);
  assert.is(restartState().agents.mayor!.lastStart, before);
  // The feed saw the failed starts and the crash-loop alert mail.
  const ev = feedEvents();
  assert.ok(ev.some((e) => e.type === 'action' && e.action === 'start' && e.ok === false && e.agent === 'mayor'), 'failed start on the feed');
  assert.ok(ev.some((e) => e.type === 'action' && e.action === 'mail' && String(e.subject).startsWith('CRASH_LOOP: mayor')), 'CRASH_LOOP mail on the feed');
});

test('gt daemon clear-backoff mayor: clears the record, signals the daemon, and mayor is tried again', async () => {
  const before = restartState().agents.mayor!.lastStart;
  const daemonPid = Number((await gt(['daemon', 'pid', '--town', town.root])).stdout.trim());
  const r = await gt(['daemon', 'clear-backoff', 'hq-mayor', '--json', '--town', town.root]);
  assert.is(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.is(out.cleared.length, 1);
  assert.is(out.cleared[0].agent, 'mayor');
  assert.is(out.cleared[0].was.crash_loop, loopSince);
  assert.is(out.cleared[0].was.crashes, 3);
  assert.equal(out.daemon, { notified: true, pid: daemonPid });
  await waitFor('the daemon to log SIGUSR2', () => readFileSync(join(town.root, 'daemon', 'daemon.log'), 'utf8').includes('SIGUSR2'), 10_000);
  // Tried again: a new start after the clear (it fails again, and counts from one).
  const st = await waitFor('a new start of mayor', () => {
    const s = restartState().agents.mayor!;
    return s.lastStart > before ? s : undefined;
  }, 15_000);
  assert.is(st.crashLoop, null, `the new start does not inherit the old crash loop: ${JSON.stringify(st)} (old loop since ${loopSince})\n${logTail()}`);
  assert.ok(st.crashes.length >= 1 && st.crashes.length < 3, `crashes after the clear: ${st.crashes.length}`);
  assert.ok(feedEvents().some((e) => e.type === 'signal' && e.signal === 'SIGUSR2'), 'the signal is on the feed');
});

test('clear-backoff: no restart record, unknown agent, --all', async () => {
  const none = await gt(['daemon', 'clear-backoff', 'boot', '--town', town.root]);
  assert.is(none.code, 0, none.stderr);
  assert.match(none.stdout, /^boot has no restart record/);
  const noneJson = JSON.parse((await gt(['daemon', 'clear-backoff', 'boot', '--json', '--town', town.root])).stdout);
  assert.equal(noneJson.cleared, []);
  assert.is(noneJson.not_found, 'boot');
  assert.is(noneJson.daemon.notified, false);

  const unknown = await gt(['daemon', 'clear-backoff', 'no/such/agent/x', '--town', town.root]);
  assert.is.not(unknown.code, 0);
  assert.match(unknown.stderr, /no agent|no rig/);
  const usage = await gt(['daemon', 'clear-backoff', '--town', town.root]);
  assert.is(usage.code, 2, usage.stderr);

  const all = await gt(['daemon', 'clear-backoff', '--all', '--json', '--town', town.root]);
  assert.is(all.code, 0, all.stderr);
  const ids = (JSON.parse(all.stdout).cleared as Array<{ agent: string }>).map((c) => c.agent).sort();
  assert.ok(ids.includes('mayor') && ids.includes('deacon'), ids.join(','));
});

test('kill -9 of the deacon: gt feed shows its restart, gt agents a new pid', async () => {
  const old = await waitFor('deacon alive', async () => {
    const d = await agent('deacon');
    return d.liveness === 'alive' && d.pid ? d : undefined;
  }, 20_000);
  const comm = readFileSync(`/proc/${old.pid}/comm`, 'utf8').trim();
  assert.is(comm, 'gt-sim', 'the pid gt agents shows is the sim itself');
  const seen = feedEvents().length;
  process.kill(old.pid!, 'SIGKILL');
  const ev = await waitFor('a deacon start or restart on the feed', () =>
    feedEvents()
      .slice(seen)
      .find((e) => e.type === 'action' && (e.action === 'start' || e.action === 'restart') && e.agent === 'deacon' && e.ok === true),
  30_000);
  assert.match(String(ev.description), /^(start|restart) deacon$/);
  const now = await waitFor('deacon alive with a new pid', async () => {
    const d = await agent('deacon');
    return d.liveness === 'alive' && d.pid && d.pid !== old.pid ? d : undefined;
  }, 20_000);
  assert.ok(pidRunning(now.pid!));
  assert.not.ok(pidRunning(old.pid!));
});

test('human gt feed -n 20: replays recent events one line each; SIGTERM ends it with exit 0', async () => {
  const child = spawn(process.execPath, [GT_BIN, 'feed', '-n', '20', '--town', town.root], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let code: number | null | undefined;
  child.stdout.on('data', (d) => (out += d));
  child.on('exit', (c) => (code = c));
  try {
    // Replayed at once: the deacon's restart from the previous test is among the last events.
    await waitFor('replayed lines', () => out.split('\n').filter(Boolean).length >= 3, 15_000);
    const lines = out.split('\n').filter(Boolean);
    for (const l of lines) assert.match(l, /^\d\d:\d\d:\d\d  \S/, l);
    assert.ok(lines.some((l) => /  tick \d+ (\(|done)/.test(l)), out);
    assert.not.ok(out.includes('{'), 'human lines are not JSON');
    process.kill(child.pid!, 'SIGTERM');
    await waitFor('feed to exit', () => code !== undefined, 10_000);
    assert.is(code, 0);
  } finally {
    if (code === undefined) process.kill(child.pid!, 'SIGKILL');
  }
});

test('gt feed ends with exit 3 when the daemon stops', async () => {
  const pids = daemonPids(town.root);
  assert.is(pids.length, 1);
  assert.is((await gt(['daemon', 'stop', '--town', town.root])).code, 0);
  await waitFor('gt feed to exit', () => feedExit !== undefined, 15_000);
  assert.is(feedExit, 3, feedErr);
  assert.match(feedErr, /daemon closed the feed/);
});

test.run();

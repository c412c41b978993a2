import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bootEpochMs, processStartEpochMs } from '../../internal/fsx/proc.js';
import { readPidFile } from '../../internal/fsx/pidfile.js';
import { withLedger } from '../../internal/ledger/index.js';
import { markQueued } from '../../internal/rig/dispatch-queue.js';
import { townLayout } from '../../internal/town/layout.js';
import { DEFAULT_HEALTH_WINDOW_MS } from '../../internal/tmux/index.js';
import { gt, makeTown, townSocket, waitFor, type TempTown } from '../helpers/town.js';
import { makeSourceRepo } from '../helpers/rig-repo.js';

/**
 * One tick's dispatches start concurrently (issue 11, dispatch spacing): eight beads wait in the
 * queue of a rig capped at 4 when the daemon comes up; its first tick dispatches four, and their
 * health windows overlap: a second dispatched session is already running before the first one's
 * health window is over (its "dispatched" log line, written when the window ends). Serially that
 * cannot happen: the next sling starts only after the previous one's window. Structural, not a
 * speed figure: it needs only the next hook and worktree to take less than one health window.
 * Meanwhile (sampled all along) never more than 4 polecats, in tmux or holding a slot in the
 * ledger; the four hooked in dispatch order (priority, then age); the other four stay queued.
 * No refinery: done polecats are never merged, so never reaped, and keep their slots.
 */

const CAP = 4;
const N = 8;
let town: TempTown;
let socket: string;
const tmux = (...args: string[]) => spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
const isPolecatSession = (s: string) => s.startsWith('sh-') && s !== 'sh-witness' && s !== 'sh-refinery';

test.before(async () => {
  town = await makeTown({
    agent: 'sim',
    settings: { daemon: { recovery_interval: '10m' }, rigs: { shop: { max_polecats: CAP } }, roles: { mayor: { enabled: false } } },
    daemonSettings: { env: { GT_SIM_HEARTBEAT_INTERVAL: '300ms' }, patrols: { deacon: { enabled: false }, witness: { enabled: false }, refinery: { enabled: false }, boot: { enabled: false } } },
  });
  socket = await townSocket(town.root);
  makeSourceRepo(join(town.root, '..', 'src'));
});
let stopSampling = () => {};
test.after(async () => {
  stopSampling();
  await town.cleanup();
});

test(`a tick's ${CAP} dispatches start together (health windows overlap), in dispatch order, never over the cap`, async () => {
  assert.is((await gt(['rig', 'add', 'shop', join(town.root, '..', 'src'), '--prefix', 'sh', '--town', town.root])).code, 0);
  // Queued before the daemon runs, so its first tick finds four free slots at once. Queued in
  // order 0..7; the last two urgent: dispatch order is urgent (6, 7), then the oldest (0, 1).
  const layout = townLayout(town.root);
  const base = Date.now() - 60_000;
  const ids = withLedger(layout, (l) =>
    l.write(() =>
      Array.from({ length: N }, (_, i) => {
        const b = l.createBead({ prefix: 'sh', type: 'task', title: `Work item ${i + 1}`, priority: i >= N - 2 ? 0 : 2 });
        markQueued(l, b, 'shop', new Date(base + i * 1000).toISOString());
        return b.id;
      }),
    ),
  );
  const expected = [ids[6], ids[7], ids[0], ids[1]];

  // Sample all along: polecat sessions in tmux, and polecats holding a slot in the ledger.
  let maxSessions = 0;
  let maxSlots = 0;
  let samples = 0;
  let sampling = true;
  stopSampling = () => (sampling = false);
  const sampler = (async () => {
    while (sampling) {
      const r = tmux('list-sessions', '-F', '#{session_name}');
      if (r.status === 0) maxSessions = Math.max(maxSessions, r.stdout.split('\n').filter(isPolecatSession).length);
      const held = withLedger(layout, (l) => l.listAgentBeads({ rig: 'shop' }).filter((a) => a.role === 'polecat' && a.agent_state !== 'nuked').length);
      maxSlots = Math.max(maxSlots, held);
      samples++;
      await new Promise((res) => setTimeout(res, 50));
    }
  })();

  const up = await gt(['up', '--town', town.root]);
  assert.is(up.code, 0, up.stderr + up.stdout);
  const logFile = join(town.root, 'daemon', 'daemon.log');
  const dispatchedLines = () => readFileSync(logFile, 'utf8').split('\n').filter((l) => / INFO +dispatched \S+ to /.test(l));
  const lines = await waitFor(`${CAP} dispatched`, () => (dispatchedLines().length >= CAP ? dispatchedLines() : undefined), 120_000, 100);

  // Each dispatch: its bead, polecat, the time its window ended (log line) and its session's start.
  const boot = bootEpochMs(Date.now());
  assert.ok(boot !== undefined, '/proc/uptime readable');
  const panes = new Map(
    tmux('list-panes', '-a', '-F', '#{session_name} #{pane_pid}')
      .stdout.split('\n')
      .filter(Boolean)
      .map((l) => l.split(' ') as [string, string]),
  );
  const agents = withLedger(layout, (l) => l.listAgentBeads({ rig: 'shop' }).filter((a) => a.role === 'polecat'));
  const runs = lines.slice(0, CAP).map((line) => {
    const m = /^(\S+) INFO +dispatched (\S+) to (\S+) /.exec(line)!;
    const agent = agents.find((a) => a.address === m[3]);
    assert.ok(agent?.session, `agent bead of ${m[3]}`);
    const pid = Number(panes.get(agent!.session!) ?? NaN);
    const started = processStartEpochMs(pid, boot!);
    assert.ok(started !== undefined, `${agent!.session} runs (pane pid ${pid})`);
    return { bead: m[2], identity: m[3], windowEnded: Date.parse(m[1]!), started: started!, hookedAt: agent!.created_at };
  });

  // Dispatch order: the four first in the queue, hooked (name chosen, bead hooked) in that order.
  assert.equal(runs.map((r) => r.bead).sort(), [...expected].sort(), 'the four first in dispatch order went out');
  const byHook = [...runs].sort((a, b) => a.hookedAt.localeCompare(b.hookedAt));
  assert.equal(byHook.map((r) => r.bead), expected, 'hooked in dispatch order: priority, then age');

  // Each next hook comes before the previous dispatch's health window is over (its "dispatched"
  // line): the hooks do not wait for the starts. Serially each sling begins after that line.
  for (let i = 1; i < byHook.length; i++) {
    const [prev, next] = [byHook[i - 1]!, byHook[i]!];
    assert.ok(Date.parse(next.hookedAt) < prev.windowEnded, `${next.bead} hooked (${next.hookedAt}) before ${prev.bead}'s health window ended (${new Date(prev.windowEnded).toISOString()})`);
  }
  // So the health windows overlap: some dispatched session was running before the window of the
  // one started just before it had ended (needs one hook + worktree to take less than a window;
  // three chances). Serially never: each session starts after the previous window.
  const byStart = [...runs].sort((a, b) => a.started - b.started);
  const overlaps = byStart.slice(1).filter((r, i) => r.started < byStart[i]!.windowEnded).length;
  const t0 = byStart[0]!.started;
  const starts = byStart.map((r) => `${r.started - t0} (window ended ${r.windowEnded - t0})`).join(', ');
  console.log(`    ${CAP} dispatched sessions started at ms ${starts}, health window ${DEFAULT_HEALTH_WINDOW_MS} ms; ${overlaps} overlapping pair(s)`);
  assert.ok(overlaps >= 1, `a dispatched session started inside the previous one's health window (started at ms ${starts})`);

  // The cap held while they started together, and holds on: the other four stay queued.
  const listed = JSON.parse((await gt(['sling', '--list', '--json', '--town', town.root])).stdout) as { queued: Array<{ id: string }> };
  assert.is(listed.queued.length, N - CAP, 'the rest still queued');
  // Two more ticks (woken by hand): the slots are all held, so nothing more goes out.
  const ticks = () => (JSON.parse(readFileSync(layout.daemonState, 'utf8')) as { tick_count: number }).tick_count;
  for (let i = 0; i < 2; i++) {
    const before = ticks();
    const daemon = readPidFile(layout.daemonPid);
    assert.ok(daemon, 'the daemon pid file');
    process.kill(daemon!.pid, 'SIGUSR1');
    await waitFor('a tick after the wake', () => ticks() > before, 30_000, 50);
  }
  sampling = false;
  await sampler;
  assert.ok(samples > 20, `sampled all along (${samples} samples)`);
  assert.ok(maxSessions <= CAP, `at most ${CAP} polecat sessions at once (saw ${maxSessions})`);
  assert.ok(maxSlots <= CAP, `at most ${CAP} polecats holding a slot at once (saw ${maxSlots})`);
  assert.is(maxSessions, CAP, 'the cap was used');
  assert.is(dispatchedLines().length, CAP, 'nothing dispatched beyond the cap');
});

test.run();

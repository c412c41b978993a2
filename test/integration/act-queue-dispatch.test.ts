import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSettings } from '../../internal/config/settings.js';
import { actQueue, MAX_PARALLEL_DISPATCHES } from '../../internal/daemon/engine/act-queue.js';
import type { EngineView, Reporter } from '../../internal/daemon/engine/view.js';
import type { Logger } from '../../internal/daemon/logger.js';
import type { Action, DispatchAction } from '../../internal/daemon/policy/index.js';
import { withLedger } from '../../internal/ledger/index.js';
import { addRig } from '../../internal/rig/index.js';
import { isQueued, markQueued } from '../../internal/rig/dispatch-queue.js';
import { readRigs } from '../../internal/rig/registry.js';
import { Tmux, townSocketName } from '../../internal/tmux/index.js';
import { installTown } from '../../internal/town/install.js';
import { townLayout, type TownLayout } from '../../internal/town/layout.js';
import { tempDir } from '../helpers/town.js';
import { makeSourceRepo } from '../helpers/rig-repo.js';

process.env.GIT_CONFIG_GLOBAL = '/dev/null';
process.env.GIT_CONFIG_NOSYSTEM = '1';

/**
 * The daemon's dispatch act step (engine/act-queue.ts) on a real town (ledger, git worktrees,
 * tmux sessions of sim polecats), given dispatch actions as decide would: each dispatch reported
 * exactly once; one that fails does not stop those after it; at most MAX_PARALLEL_DISPATCHES
 * start at once (the next bead is hooked only once a start has finished); a closed gate (the
 * daemon's in-memory ESTOP) dispatches nothing.
 */

let dir: string;
let root: string;
let layout: TownLayout;
let socket: string;
test.before(async () => {
  dir = tempDir('gt-act-queue-');
  root = installTown(join(dir, 'town'), { agent: 'sim' }).root;
  layout = townLayout(root);
  socket = townSocketName(root);
  await addRig(layout, 'shop', makeSourceRepo(join(dir, 'src')));
  // Room for all six: the caps are not what this file tests (the bound on parallel starts is).
  const settings = JSON.parse(readFileSync(layout.settingsFile, 'utf8')) as Record<string, unknown>;
  writeFileSync(layout.settingsFile, JSON.stringify({ ...settings, rigs: { shop: { max_polecats: 8 } } }, null, 2));
});
test.after(() => {
  spawnSync('tmux', ['-L', socket, 'kill-server']);
  rmSync(dir, { recursive: true, force: true });
});

function view(lines: string[], estop = false): EngineView {
  const at = (level: string) => (msg: string) => void lines.push(`${level} ${msg}`);
  const log: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), setLimits: () => undefined };
  const settings = loadSettings(layout.settingsFile);
  return {
    town: root,
    layout,
    tmux: new Tmux(socket),
    log,
    settings: () => settings,
    now: () => Date.now(),
    healthWindowMs: undefined,
    estopHeld: () => estop,
    ledgerHealth: undefined as never, // act-queue never reads it
    warnOnce: () => undefined,
    resolved: () => undefined,
  };
}

function queueBeads(n: number, title: string): string[] {
  const prefix = readRigs(layout).rigs.shop!.prefix;
  return withLedger(layout, (l) =>
    l.write(() =>
      Array.from({ length: n }, (_, i) => {
        const b = l.createBead({ prefix, type: 'task', title: `${title} ${i + 1}` });
        markQueued(l, b, 'shop', new Date(Date.now() + i).toISOString());
        return b.id;
      }),
    ),
  );
}

const dispatch = (bead: string): DispatchAction => ({ type: 'dispatch', bead, rig: 'shop', reason: 'slot free (test)' });

test('under a closed gate (ESTOP held in memory) nothing is dispatched: one line, nothing reported, the beads stay queued', async () => {
  const ids = queueBeads(2, 'Gated');
  const lines: string[] = [];
  const reports: string[] = [];
  await actQueue(view(lines, true), ids.map(dispatch), { report: (a) => void reports.push((a as DispatchAction).bead), started: () => undefined });
  assert.equal(reports, []);
  assert.equal(lines, [`info skipped dispatch of ${ids[0]}: a gate closed during the tick`]);
  assert.ok(withLedger(layout, (l) => ids.every((id) => isQueued(l.getBead(id)!))), 'still queued');
  // Out of the way of the next test: no longer queued.
  withLedger(layout, (l) => l.write(() => ids.forEach((id) => l.updateBead(id, { status: 'closed' }))));
});

test(`each dispatch reported once, a failing one does not stop the rest, at most ${MAX_PARALLEL_DISPATCHES} start at once`, async () => {
  assert.is(MAX_PARALLEL_DISPATCHES, 4);
  const ids = queueBeads(6, 'Work');
  // Second in line: a bead that is not queued (closed meanwhile): its dispatch fails in the hook.
  const gone = queueBeads(1, 'Gone')[0]!;
  withLedger(layout, (l) => l.write(() => l.updateBead(gone, { status: 'closed' })));
  const order = [ids[0]!, gone, ...ids.slice(1)];
  const lines: string[] = [];
  const reports: Array<{ bead: string; ok: boolean; detail?: string; at: number }> = [];
  const report: Reporter = (a: Action, ok, detail) => void reports.push({ bead: (a as DispatchAction).bead, ok, ...(detail ? { detail } : {}), at: Date.now() });
  const runs: string[] = [];
  await actQueue(view(lines), order.map(dispatch), { report, started: (identity) => void runs.push(identity) });

  // Reported once each; the failure is the closed bead's only; the six after it all ran.
  assert.equal(reports.map((r) => r.bead).sort(), [...order].sort(), 'every dispatch reported exactly once');
  const failed = reports.filter((r) => !r.ok);
  assert.equal(failed.map((r) => r.bead), [gone]);
  assert.match(failed[0]!.detail ?? '', /already closed|not queued/);
  assert.is(lines.filter((l) => l.startsWith(`warn dispatch of ${gone} to shop failed:`)).length, 1, 'its failure logged once');
  assert.is(runs.length, 6, 'six polecats started');
  assert.is(lines.filter((l) => /^info dispatched \S+ to shop\/polecats\//.test(l)).length, 6, 'each logged once');
  const sessions = spawnSync('tmux', ['-L', socket, 'list-sessions', '-F', '#{session_name}'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  assert.is(sessions.length, 6, `six polecat sessions (${sessions.join(' ')})`);

  // The bound: the fifth bead is hooked only after one of the first four starts has finished
  // (been reported); without a bound it would be hooked right after the fourth.
  const hooked = withLedger(layout, (l) =>
    ids.map((id) => ({ id, at: Date.parse(l.listAgentBeads({ rig: 'shop' }).find((a) => a.hook_bead === id)!.created_at) })),
  ).sort((a, b) => a.at - b.at);
  assert.equal(hooked.map((h) => h.id), ids, 'hooked in the order given (dispatch order)');
  const firstDone = Math.min(...reports.filter((r) => ids.slice(0, 4).includes(r.bead)).map((r) => r.at));
  assert.ok(hooked[4]!.at >= firstDone, `fifth hooked (${hooked[4]!.at}) after the first start finished (${firstDone})`);
  // ...and the first four did overlap: the fourth was hooked before any of them had finished.
  assert.ok(hooked[3]!.at < firstDone, `fourth hooked (${hooked[3]!.at}) before the first start finished (${firstDone})`);
});

test.run();

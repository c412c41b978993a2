/**
 * Reading agents' screens for the blocking-screen recognisers: 50 panes (200x50, a screenful of
 * text each) on a private tmux server. capturePanes (one tmux call for all, what a tick uses)
 * against the baseline measured in the same run: one `capture-pane` call per pane. Then the
 * recognisers themselves over those 50 screens. Budget: one tmux call per read whatever the
 * number of agents, and the batched read <= 0.5x the per-pane one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recognizeScreen } from '../internal/agent/screens/index.js';
import { Tmux, capturePane, capturePanes, createSession, killServer, snapshot } from '../internal/tmux/index.js';
import { socketPath } from '../internal/tmux/socket.js';
import { CountingTmux } from '../test/helpers/tmux-servers.js';
import { median, report } from './lib.js';

const PANES = Number(process.env.BENCH_PANES ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);


const dir = mkdtempSync(join(tmpdir(), 'gt-bench-screens-'));
const tmux = new CountingTmux(`gt-bench-${process.pid}-screens`, { timeoutMs: 30_000 });
try {
  const fill = `i=0; while [ $i -lt 48 ]; do printf 'line %02d of a busy agent transcript: %s\\n' $i "$(printf 'word %.0s' $(seq 1 30))"; i=$((i+1)); done; exec sleep 100000`;
  for (let i = 0; i < PANES; i++) await createSession(tmux, { name: `bench-${i}`, cwd: dir, command: ['/bin/sh', '-c', fill], width: 200, height: 50, healthWindowMs: 20 });
  const snap = await snapshot(tmux);
  if (!snap.ok) throw snap.error;
  const panes = snap.sessions.map((s) => s.panes[0]!.paneId);
  await new Promise((r) => setTimeout(r, 1_000));

  const batched: number[] = [];
  const single: number[] = [];
  let batchedCalls = 0;
  let singleCalls = 0;
  let screens: string[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    let c = tmux.calls;
    let t = process.hrtime.bigint();
    const got = await capturePanes(tmux, panes);
    batched.push(Number(process.hrtime.bigint() - t) / 1e6);
    batchedCalls = tmux.calls - c;
    screens = [...got.values()].map((g) => (g.ok ? g.text : ''));
    c = tmux.calls;
    t = process.hrtime.bigint();
    for (const p of panes) await capturePane(tmux, p, { join: true });
    single.push(Number(process.hrtime.bigint() - t) / 1e6);
    singleCalls = tmux.calls - c;
  }
  console.log(`tmux calls to read ${PANES} screens: batched ${batchedCalls}, one per pane ${singleCalls}`);
  report(`read ${PANES} screens (capturePanes)`, median(batched), median(single), 'ms', 0.5);

  const t = process.hrtime.bigint();
  let n = 0;
  for (let r = 0; r < ROUNDS; r++) for (const s of screens) for (const rt of ['claude', 'codex', 'gemini', 'opencode']) (recognizeScreen(rt, s), n++);
  const perScreen = Number(process.hrtime.bigint() - t) / 1e6 / n;
  report('recognise one screen (per runtime)', perScreen * 1000, (median(batched) / PANES) * 1000, 'us');
  if (batchedCalls !== 1) {
    console.log(`OVER budget: ${batchedCalls} tmux calls for one batched read`);
    process.exitCode = 1;
  }
} finally {
  await killServer(tmux);
  rmSync(socketPath(tmux.socket), { force: true });
  rmSync(dir, { recursive: true, force: true });
}

/**
 * The daemon tells the person and counts what it does, on a real town:
 * - a crash loop gives exactly one POST to a notifier webhook on a loopback test server, however
 *   many ticks follow; a question (gt ask) gives one too, and its answer wakes the asker;
 * - a failing and a hanging webhook are logged and retried while ticks go on at their interval;
 * - `gt metrics` (and daemon.metrics_listen) is Prometheus text a parser reads, and its counters
 *   move when an agent is killed and restarted.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import parse from 'parse-prometheus-text-format';
import { GT_BIN, gt, makeTown, readJson, townSocket, waitFor, type TempTown } from '../helpers/town.js';

type Mode = 'ok' | 'fail' | 'hang';
let mode: Mode = 'ok';
let posts: Array<Record<string, unknown>> = [];
const hanging = new Set<http.ServerResponse>();
let server: http.Server;
let town: TempTown;
let socket: string;
let metricsPort = 0;

const tmux = (...args: string[]) => spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
const log = () => readFileSync(join(town.root, 'daemon', 'daemon.log'), 'utf8').split('\n').filter(Boolean);
const state = () => readJson(join(town.root, 'daemon', 'state.json')) as { tick_count: number; last_tick_ms: number };
const G = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
  const r = await gt([...args, '--town', town.root], { env });
  if (r.code !== 0) throw new Error(`gt ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
};
const byKind = (k: string) => posts.filter((p) => p.kind === k);

async function metrics(): Promise<Map<string, ReturnType<typeof parse>[number]>> {
  const text = await G(['metrics']);
  return new Map(parse(text).map((f) => [f.name, f]));
}
const value = (fams: Map<string, ReturnType<typeof parse>[number]>, name: string, labels: Record<string, string> = {}) =>
  (fams.get(name)?.metrics ?? [])
    .filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))
    .reduce((s, m) => s + Number(m.value ?? m.count ?? 0), 0);

test.before(async () => {
  server = http.createServer((req, res) => {
    let data = '';
    req.on('data', (d) => (data += d));
    req.on('end', () => {
      posts.push(JSON.parse(data));
      if (mode === 'hang') hanging.add(res);
      else res.writeHead(mode === 'ok' ? 200 : 503).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const probe = http.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  metricsPort = (probe.address() as { port: number }).port;
  await new Promise((r) => probe.close(r));
  town = await makeTown({
    agent: 'sim',
    settings: {
      daemon: { recovery_interval: '250ms', metrics_listen: `127.0.0.1:${metricsPort}` },
      agents: { crashy: { command: 'sh', args: ['-c', 'exit 3'], process_names: ['sh'] } },
      roles: { mayor: { agent: 'crashy' } },
      restart: { initial_backoff: '200ms', multiplier: 1, max_backoff: '200ms', crash_loop_count: 3, crash_loop_window: '1m', stable_after: '10m' },
      notify: { webhook: `http://127.0.0.1:${port}/gt`, timeout: '1s', retry: { attempts: 3, initial_backoff: '300ms', max_backoff: '1s' } },
    },
    daemonSettings: { env: { GT_SIM_WORK: '0', GT_SIM_HEARTBEAT_INTERVAL: '1s' } },
  });
  socket = await townSocket(town.root);
});
const children: Array<ReturnType<typeof spawn>> = [];
test.after(async () => {
  for (const c of children) c.kill('SIGKILL');
  for (const r of hanging) r.destroy();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await gt(['down', '--town', town.root]);
  tmux('kill-server');
  await town.cleanup();
});

test('a crash loop: exactly one webhook POST for the episode, however many ticks follow', async () => {
  await G(['daemon', 'start']);
  await waitFor('the CRASH_LOOP notification', () => byKind('CRASH_LOOP').length >= 1, 30_000);
  const t = state().tick_count;
  await waitFor('20 more ticks', () => state().tick_count >= t + 20, 30_000);
  assert.is(byKind('CRASH_LOOP').length, 1, JSON.stringify(posts));
  const p = byKind('CRASH_LOOP')[0]!;
  assert.is(p.agent, 'mayor');
  assert.is(p.severity, 'critical');
  assert.is(p.town, town.root);
  assert.match(String(p.text), /^gt CRASH_LOOP: CRASH_LOOP: mayor /);
  assert.ok(log().some((l) => /notify: sent CRASH_LOOP .* via webhook/.test(l)));
});

test('gt metrics: Prometheus text a parser reads; counters move when an agent is killed and restarted', async () => {
  await waitFor('the deacon runs', async () => value(await metrics(), 'gt_agents', { liveness: 'alive' }) >= 1, 20_000);
  const before = await metrics();
  for (const name of ['gt_agents', 'gt_agents_crash_looping', 'gt_agent_restarts_total', 'gt_crash_loops_total', 'gt_ticks_total', 'gt_tick_duration_seconds', 'gt_actions_total', 'gt_queue_depth', 'gt_mails_sent_total', 'gt_notifier_failures_total', 'gt_notifications_total', 'gt_daemon_process_resident_memory_bytes']) {
    assert.ok(before.has(name), `${name} missing`);
  }
  assert.is(before.get('gt_tick_duration_seconds')!.type, 'HISTOGRAM');
  assert.is(before.get('gt_ticks_total')!.type, 'COUNTER');
  assert.is(value(before, 'gt_crash_loops_total'), 1);
  assert.is(value(before, 'gt_agents_crash_looping'), 1);
  assert.is(value(before, 'gt_mails_sent_total', { kind: 'CRASH_LOOP' }), 1);
  assert.is(value(before, 'gt_queue_depth'), 0);
  assert.is(value(before, 'gt_notifications_total', { sink: 'webhook', kind: 'CRASH_LOOP', result: 'sent' }), 1);
  assert.ok(value(before, 'gt_agent_restarts_total', { role: 'mayor' }) >= 3);
  assert.is(value(before, 'gt_agent_restarts_total', { role: 'mayor', ok: 'true' }), 0, 'the crashy mayor never came up');
  const deaconStarts = value(before, 'gt_agent_restarts_total', { role: 'deacon', ok: 'true' });

  tmux('kill-session', '-t', '=hq-deacon');
  await waitFor('the deacon restarted', async () => value(await metrics(), 'gt_agent_restarts_total', { role: 'deacon', ok: 'true' }) > deaconStarts, 20_000);
  const after = await metrics();
  assert.ok(value(after, 'gt_ticks_total') > value(before, 'gt_ticks_total'));
  assert.ok(value(after, 'gt_tick_duration_seconds') > value(before, 'gt_tick_duration_seconds'), 'the histogram counts ticks');
  assert.ok(value(after, 'gt_actions_total', { action: 'start', ok: 'true' }) > value(before, 'gt_actions_total', { action: 'start', ok: 'true' }));

  // The same over HTTP on loopback.
  const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
  assert.is(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
  const fams = parse(await res.text());
  assert.ok(fams.some((f) => f.name === 'gt_agent_restarts_total'));
  assert.is((await fetch(`http://127.0.0.1:${metricsPort}/nope`)).status, 404);
  assert.match((await gt(['metrics', '--help'])).stdout, /usage: gt metrics/);
});

test('a question notifies once; a failing then hanging webhook is retried and logged while ticks go on', async () => {
  posts = [];
  mode = 'fail';
  const asker = spawn(process.execPath, [GT_BIN, 'ask', 'Ship it?', '--options', 'yes,no', '--town', town.root], {
    env: { ...process.env, GT_ROLE: 'deacon', GT_SESSION: 'hq-deacon' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(asker);
  let out = '';
  asker.stdout.on('data', (d) => (out += d));
  await waitFor('three failed attempts, then given up', () => log().some((l) => /notify: gave up on QUESTION "deacon\/ asks: Ship it\?" via webhook after 3 attempts: HTTP 503/.test(l)), 20_000);
  assert.is(byKind('QUESTION').length, 3);
  assert.ok(log().some((l) => /WARN\s+notify: QUESTION .* failed \(attempt 1 of 3\): HTTP 503/.test(l)));
  assert.ok(value(await metrics(), 'gt_notifier_failures_total', { sink: 'webhook' }) >= 3);

  // Hanging: every attempt waits its full timeout; ticks keep their pace meanwhile.
  mode = 'hang';
  const q2 = spawn(process.execPath, [GT_BIN, 'ask', 'Still there?', '--timeout', '30s', '--town', town.root], {
    env: { ...process.env, GT_ROLE: 'deacon', GT_SESSION: 'hq-deacon' },
    stdio: 'ignore',
  });
  children.push(q2);
  await waitFor('the hanging POST arrived', () => posts.some((p) => String(p.title).includes('Still there?')), 15_000);
  const t0 = state().tick_count;
  const started = Date.now();
  let slowest = 0;
  while (Date.now() - started < 3_000) {
    slowest = Math.max(slowest, state().last_tick_ms);
    await new Promise((r) => setTimeout(r, 50));
  }
  const ticked = state().tick_count - t0;
  console.log(`figures: ${ticked} ticks in 3s while the webhook hung; slowest tick ${slowest}ms`);
  assert.ok(ticked >= 5, `only ${ticked} ticks in 3s at a 250ms interval`);
  assert.ok(slowest < 1_000, `a tick took ${slowest}ms`);
  await waitFor('the hang logged as a timeout', () => log().some((l) => /QUESTION "deacon\/ asks: Still there\?" via webhook failed .*no answer within 1000ms/.test(l)), 15_000);
  q2.kill('SIGTERM');

  // The first question is still open: answering it wakes its asker.
  mode = 'ok';
  const id = (JSON.parse(await G(['questions', '--json'])) as Array<{ id: string; text: string }>).find((q) => q.text === 'Ship it?')!.id;
  await G(['answer', id, 'no']);
  const code = await new Promise<number | null>((r) => asker.on('exit', r));
  assert.is(code, 0);
  assert.is(out, 'no\n');
});

test.run();

/**
 * The control server's bounds, on a real Unix socket with the real handler table: a peer that
 * sends a line too long, opens too many connections, idles, dribbles a line, floods requests
 * without reading, or pipelines past the pending cap is dropped (or paused), and the others are
 * served. One method table serves both ends: every method has a handler, the client checks
 * answers with the method's guard.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { startControlServer, type AnyMethodHandler, type ControlServer } from '../../internal/control/server.js';
import { ControlError, callMethod, openStream } from '../../internal/control/client.js';
import { HANDLERS, type ControlContext } from '../../internal/control/handlers/index.js';
import { METHODS, PING, STATUS, SUBSCRIBE } from '../../internal/control/protocol/messages/index.js';
import type { MethodSpec } from '../../internal/control/protocol/method.js';
import type { ControlLimits } from '../../internal/control/protocol/jsonrpc.js';
import { EventBus } from '../../internal/daemon/events.js';
import { tempDir, waitFor } from '../helpers/town.js';

const dir = tempDir('gt-ctl-');
const warnings: string[] = [];
const events = new EventBus();
let inFlight = 0;
let maxInFlight = 0;

const context: ControlContext = {
  pid: process.pid,
  nonce: '0123456789abcdef',
  town: dir,
  version: 'test',
  status: () => ({
    running: true,
    pid: process.pid,
    nonce: '0123456789abcdef',
    town: dir,
    started_at: new Date().toISOString(),
    uptime_ms: 1,
    tick_count: 7,
    last_tick: null,
    next_tick: null,
    last_tick_ms: null,
    recovery_interval_ms: 1000,
    log_path: join(dir, 'daemon.log'),
    // A big answer, so a peer that does not read fills its queue quickly.
    last_tick_actions: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`action_${i}`, i])),
  }),
  log: { debug: () => undefined, info: () => undefined, warn: (m) => warnings.push(m) },
  events,
  requestTick: async () => ({ tick_count: 1, last_tick_ms: 1 }),
  reconcile: async () => ({ tick_count: 1, gated: false, agents: [] }),
  wake: () => undefined,
  estop: { set: () => ({ file: true, held: false, file_error: null }), thaw: () => ({ was_held: false, file: false, file_error: null }) },
  metrics: { contentType: 'text/plain', text: async () => 'gt_up 1\n' },
  notifyQuestions: () => 0,
};

/** A test-only method that waits, to see how many requests of one peer run at once. */
const SLOW: MethodSpec<'slow', { ms: number }, { ok: true }> = { name: 'slow', isResult: (x): x is { ok: true } => (x as { ok?: unknown })?.ok === true };
/** A handler that answers something its method's guard rejects. */
const BROKEN: MethodSpec<'broken', undefined, { ok: true }> = { name: 'broken', isResult: SLOW.isResult as (x: unknown) => x is { ok: true } };
const table: Record<string, AnyMethodHandler<ControlContext>> = {
  ...HANDLERS,
  slow: {
    method: SLOW,
    params: z.object({ ms: z.number().int().min(0).max(5000) }),
    paramsHint: 'slow takes {"ms": number}',
    handle: async (p: { ms: number }) => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, p.ms));
      inFlight -= 1;
      return { ok: true };
    },
  },
  broken: { method: BROKEN, params: z.undefined(), paramsHint: '', handle: () => ({ ok: 'yes' }) },
};

let n = 0;
async function serve(limits: Partial<ControlLimits>): Promise<{ path: string; server: ControlServer }> {
  const path = join(dir, `c${++n}.sock`);
  const server = await startControlServer({ path, handlers: table, context, warn: (l) => warnings.push(l), limits });
  return { path, server };
}

/** A raw connection that records what it receives and when it is closed. */
function raw(path: string): Promise<{ sock: net.Socket; data: () => string; closed: () => boolean }> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(path);
    let data = '';
    let closed = false;
    sock.on('data', (d) => (data += d));
    sock.on('close', () => (closed = true));
    sock.on('error', () => undefined);
    sock.once('connect', () => resolve({ sock, data: () => data, closed: () => closed }));
    sock.once('error', reject);
  });
}

test.after(() => rmSync(dir, { recursive: true, force: true }));

test('one method table: every method has a handler of its own name; keys are the names', () => {
  for (const [key, m] of Object.entries(METHODS)) {
    assert.is(m.name, key);
    assert.is((HANDLERS as Record<string, AnyMethodHandler<ControlContext>>)[key]!.method, m, `${key} is handled with its own method object`);
  }
  assert.equal(Object.keys(HANDLERS).sort(), Object.keys(METHODS).sort());
});

test('calls go through the table: answers pass the guard; bad params get the hint; a handler bug is an error, not a bad answer', async () => {
  const { path, server } = await serve({});
  try {
    assert.is((await callMethod(path, PING, undefined)).nonce, '0123456789abcdef');
    assert.is((await callMethod(path, STATUS, undefined)).tick_count, 7);
    const bad = await callMethod(path, METHODS.notify, { event: 'NOT A HOOK' }).catch((e: unknown) => e);
    assert.instance(bad, ControlError);
    assert.is((bad as ControlError).reason, 'rpc-error');
    assert.match((bad as ControlError).message, /notify takes \{"event": string/);
    const broken = await callMethod(path, BROKEN, undefined).catch((e: unknown) => e);
    assert.match((broken as ControlError).message, /broken produced an answer that does not match its method/);
  } finally {
    await server.close();
  }
});

test('subscribe: no replay unless asked (-n 0 replays nothing); replay N gives the last N', async () => {
  for (let i = 0; i < 5; i++) events.emit({ type: 'old', i });
  const { path, server } = await serve({});
  try {
    const got: unknown[] = [];
    const s0 = openStream(path, SUBSCRIBE, { replay: 0 }, (msg) => got.push(msg.params));
    const none: unknown[] = [];
    const s1 = openStream(path, SUBSCRIBE, undefined, (msg) => none.push(msg.params));
    const two: Array<{ i?: number }> = [];
    const s2 = openStream(path, SUBSCRIBE, { replay: 2 }, (msg) => two.push(msg.params as { i?: number }));
    await Promise.all([s0.result, s1.result, s2.result]);
    events.emit({ type: 'live' });
    await waitFor('the live event on every stream', () => got.length >= 1 && none.length >= 1 && two.length >= 3, 5_000);
    assert.equal((got as Array<{ type: string }>).map((e) => e.type), ['live']);
    assert.equal((none as Array<{ type: string }>).map((e) => e.type), ['live']);
    assert.equal(two.map((e) => e.i), [3, 4, undefined]);
    for (const s of [s0, s1, s2]) s.close();
  } finally {
    await server.close();
  }
});

test('a line longer than maxLineBytes: an error line, the peer dropped; others still served', async () => {
  const { path, server } = await serve({ maxLineBytes: 4096 });
  try {
    const c = await raw(path);
    c.sock.write('x'.repeat(10_000));
    await waitFor('dropped', () => c.closed(), 5_000);
    assert.match(c.data(), /line too long \(at most 4096 bytes\)/);
    assert.is((await callMethod(path, PING, undefined)).pid, process.pid);
  } finally {
    await server.close();
  }
});

test('connections beyond maxConnections are refused with an error; a freed slot serves again', async () => {
  const { path, server } = await serve({ maxConnections: 3 });
  try {
    const held = await Promise.all([raw(path), raw(path), raw(path)]);
    await waitFor('three connections counted', () => server.connections === 3, 5_000);
    const extra = await raw(path);
    await waitFor('the fourth refused', () => extra.closed(), 5_000);
    assert.match(extra.data(), /too many connections \(at most 3\)/);
    held[0]!.sock.destroy();
    await waitFor('a slot freed', () => server.connections === 2, 5_000);
    assert.is((await callMethod(path, PING, undefined)).pid, process.pid);
    for (const h of held) h.sock.destroy();
  } finally {
    await server.close();
  }
});

test('idle and slow peers are dropped; a peer that keeps asking is not', async () => {
  const { path, server } = await serve({ idleTimeoutMs: 400, lineTimeoutMs: 400 });
  try {
    const idle = await raw(path);
    const slow = await raw(path);
    slow.sock.write('{"jsonrpc":"2.0","id":1,"me'); // and never the rest
    const busy = await raw(path);
    const timer = setInterval(() => busy.sock.write('{"jsonrpc":"2.0","id":1,"method":"ping"}\n'), 100);
    await waitFor('the idle peer dropped', () => idle.closed(), 5_000);
    await waitFor('the dribbling peer dropped', () => slow.closed(), 5_000);
    clearInterval(timer);
    assert.not.ok(busy.closed(), 'a peer that keeps asking is served');
    assert.ok(busy.data().split('\n').filter(Boolean).length >= 3);
    busy.sock.destroy();
    assert.ok(warnings.some((w) => /idle for 400ms/.test(w)), warnings.join('\n'));
    assert.ok(warnings.some((w) => /a request line was not finished within \d+ms/.test(w)), warnings.join('\n'));
  } finally {
    await server.close();
  }
});

test('pipelined requests past maxPending wait (reading pauses); all are answered in order of capacity', async () => {
  const { path, server } = await serve({ maxPending: 2 });
  try {
    maxInFlight = 0;
    const c = await raw(path);
    for (let i = 1; i <= 10; i++) c.sock.write(`${JSON.stringify({ jsonrpc: '2.0', id: i, method: 'slow', params: { ms: 50 } })}\n`);
    await waitFor('ten answers', () => c.data().split('\n').filter(Boolean).length === 10, 10_000);
    assert.is(maxInFlight, 2, 'never more than maxPending at once');
    c.sock.destroy();
  } finally {
    await server.close();
  }
});

test('a pipelining client that never reads is dropped with memory bounded; other clients are served', async () => {
  const { path, server } = await serve({ maxQueuedBytes: 256 * 1024 });
  try {
    const before = process.memoryUsage().rss;
    const flood = net.connect(path);
    let closed = false;
    flood.on('close', () => (closed = true));
    flood.on('error', () => undefined);
    flood.pause(); // never reads
    await new Promise((r) => flood.once('connect', r));
    const line = `${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'status' })}\n`;
    const batch = line.repeat(1000);
    let sent = 0;
    while (!closed && sent < 1_000_000) {
      if (!flood.write(batch)) await Promise.race([new Promise((r) => flood.once('drain', r)), new Promise((r) => setTimeout(r, 200))]);
      sent += 1000;
    }
    assert.ok(closed, `dropped (after ${sent} requests)`);
    assert.ok(sent < 1_000_000, `dropped early, after ${sent} requests`);
    const grown = (process.memoryUsage().rss - before) / (1024 * 1024);
    assert.ok(grown < 150, `memory grew ${grown.toFixed(0)} MB`);
    assert.ok(warnings.some((w) => /the peer stopped reading/.test(w)));
    assert.is((await callMethod(path, STATUS, undefined)).tick_count, 7, 'another client is served');
  } finally {
    await server.close();
  }
});

test.run();

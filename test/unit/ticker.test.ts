import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Ticker, type Wake } from '../../internal/daemon/ticker.js';

function harness(intervalMs: number, tickMs = 0) {
  const ticks: string[][] = [];
  const at: number[] = [];
  const scheduled: Wake[] = [];
  const abort = new AbortController();
  let release: (() => void) | undefined;
  let hold = false;
  /** What the next ticks report as their deadline (decide's next), by default nothing. */
  let wakes: Array<(now: number) => Wake | null> = [];
  const ticker = new Ticker<number>({
    intervalMs,
    signal: abort.signal,
    onError: () => undefined,
    onSchedule: (w) => scheduled.push(w),
    runTick: async (reasons) => {
      ticks.push(reasons);
      at.push(Date.now());
      if (hold) await new Promise<void>((r) => (release = r));
      else if (tickMs) await new Promise((r) => setTimeout(r, tickMs));
      const w = wakes.shift();
      return { wake: w ? w(Date.now()) : null, value: ticks.length };
    },
  });
  return {
    ticks,
    at,
    scheduled,
    ticker,
    abort,
    reportNext: (...w: Array<(now: number) => Wake | null>) => (wakes = w),
    holdNext: () => (hold = true),
    releaseTick: () => {
      hold = false;
      release?.();
    },
  };
}

const until = async (cond: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
};

test('start runs one tick at once; a request resolves after its tick ran', async () => {
  const h = harness(60_000);
  try {
    h.ticker.start();
    await until(() => h.ticks.length === 1);
    await h.ticker.request('usr1');
    assert.equal(h.ticks, [['start'], ['usr1']]);
  } finally {
    h.abort.abort();
  }
});

test('a request made together with start shares its tick (coalescing)', async () => {
  const h = harness(60_000);
  try {
    h.ticker.start();
    await h.ticker.request('usr1');
    assert.equal(h.ticks, [['start', 'usr1']]);
  } finally {
    h.abort.abort();
  }
});

test('requests during a running tick coalesce into exactly one more tick', async () => {
  const h = harness(60_000);
  h.holdNext();
  h.ticker.start();
  await until(() => h.ticks.length === 1);
  const waits = [h.ticker.request('a'), h.ticker.request('b'), h.ticker.request('c')];
  h.releaseTick();
  await Promise.all(waits);
  assert.is(h.ticks.length, 2);
  assert.equal(h.ticks[1], ['a', 'b', 'c']);
  h.abort.abort();
  await h.ticker.idle();
});

test('timed ticks follow the interval and setInterval takes effect', async () => {
  const h = harness(40);
  h.ticker.start();
  await until(() => h.ticks.length >= 4);
  assert.ok(h.ticks.slice(1).every((r) => r[0] === 'interval'));
  h.ticker.setInterval(60_000);
  const n = h.ticks.length;
  await new Promise((r) => setTimeout(r, 200));
  assert.ok(h.ticks.length <= n + 1, 'a long interval stops the fast ticks');
  h.abort.abort();
});

test('ticks never overlap and abort waits for the running tick', async () => {
  let inFlight = 0;
  let maxInFlight = 0;
  const abort = new AbortController();
  const t = new Ticker({
    intervalMs: 1,
    signal: abort.signal,
    onError: () => undefined,
    runTick: async () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      return { wake: null, value: undefined };
    },
  });
  t.start();
  for (let i = 0; i < 20; i++) void t.request('x');
  await new Promise((r) => setTimeout(r, 100));
  abort.abort();
  await t.idle();
  assert.is(maxInFlight, 1);
  assert.is(inFlight, 0);
});

test('a tick that throws is reported and the loop goes on', async () => {
  const errors: unknown[] = [];
  let n = 0;
  const abort = new AbortController();
  const t = new Ticker({
    intervalMs: 60_000,
    signal: abort.signal,
    onError: (e) => errors.push(e),
    runTick: async () => {
      n++;
      if (n === 1) throw new Error('boom');
      return { wake: null, value: undefined };
    },
  });
  try {
    await t.request('first');
    await t.request('again');
    assert.is(errors.length, 1);
    assert.is(n, 2);
  } finally {
    abort.abort();
  }
});

test('a request resolves with the value of the tick that covered it', async () => {
  const h = harness(60_000);
  try {
    h.ticker.start();
    assert.is(await h.ticker.request('a'), 1);
    assert.is(await h.ticker.request('b'), 2);
  } finally {
    h.abort.abort();
  }
});

test('a deadline the tick reports wakes the loop then, long before the interval', async () => {
  const h = harness(60_000);
  try {
    h.reportNext((now) => ({ at: now + 300, reason: 'deacon backoff ends' }));
    h.ticker.start();
    await until(() => h.ticks.length === 2, 3_000);
    assert.equal(h.ticks[1], ['deadline: deacon backoff ends']);
    const waited = h.at[1]! - h.at[0]!;
    assert.ok(waited >= 299 && waited < 1_000, `woke ${waited}ms later`);
    assert.equal(h.scheduled[0]!.reason, 'deacon backoff ends');
    // Nothing more reported: the next wake is the interval.
    assert.is(h.ticker.next.reason, 'interval');
  } finally {
    h.abort.abort();
  }
});

test('a deadline closer than 100ms is waited for 100ms; one beyond the interval waits for the interval', async () => {
  const h = harness(400);
  try {
    h.reportNext((now) => ({ at: now + 5, reason: 'soon' }), (now) => ({ at: now + 10_000, reason: 'far' }));
    h.ticker.start();
    await until(() => h.ticks.length === 3, 3_000);
    const first = h.at[1]! - h.at[0]!;
    assert.ok(first >= 99, `the near deadline came after ${first}ms`);
    assert.equal(h.ticks[1], ['deadline: soon']);
    assert.equal(h.ticks[2], ['interval'], 'the far deadline: the interval comes first');
  } finally {
    h.abort.abort();
  }
});

test('an event tick never postpones a due deadline or the interval tick', async () => {
  const h = harness(600);
  try {
    // The first tick asks for a wake in 400ms; an event tick at ~200ms reports the same deadline
    // (what decide would say again): the deadline tick still comes at ~400ms, not 400ms later.
    let deadline = 0;
    h.reportNext((now) => ((deadline = now + 400), { at: deadline, reason: 'backoff ends' }), () => ({ at: deadline, reason: 'backoff ends' }));
    h.ticker.start();
    await new Promise((r) => setTimeout(r, 200));
    await h.ticker.request('SIGUSR1');
    await until(() => h.ticks.length === 3, 3_000);
    assert.equal(h.ticks[2], ['deadline: backoff ends']);
    assert.ok(h.at[2]! - deadline < 150, `deadline tick ${h.at[2]! - deadline}ms after the deadline`);
    // The interval tick is due 600ms after the first tick started, whatever came between.
    await until(() => h.ticks.some((r) => r[0] === 'interval'), 3_000);
    const interval = h.at[h.ticks.findIndex((r) => r[0] === 'interval')]! - h.at[0]!;
    assert.ok(interval >= 599 && interval < 800, `interval tick ${interval}ms after the first`);
  } finally {
    h.abort.abort();
  }
});

test('next says when and why the loop wakes: the schedule, not a guess from the end of a tick', async () => {
  const h = harness(60_000);
  try {
    h.reportNext((now) => ({ at: now + 30_000, reason: 'mayor backoff ends' }));
    const t0 = Date.now();
    await h.ticker.request('start');
    assert.is(h.ticker.next.reason, 'mayor backoff ends');
    assert.ok(Math.abs(h.ticker.next.at - (t0 + 30_000)) < 200);
    await h.ticker.request('event');
    // The event tick reported nothing: the next wake is the interval, anchored at the first tick.
    assert.equal(h.ticker.next.reason, 'interval');
    assert.ok(Math.abs(h.ticker.next.at - (t0 + 60_000)) < 200);
  } finally {
    h.abort.abort();
  }
});

test('a failed tick: its waiters get what onError made of the error, and the loop goes on', async () => {
  const abort = new AbortController();
  const logged: string[] = [];
  let n = 0;
  const t = new Ticker<{ ok: number } | { failed: string }>({
    intervalMs: 60_000,
    signal: abort.signal,
    onError: (e) => {
      logged.push(String(e));
      return { failed: (e as Error).message };
    },
    runTick: async () => {
      n += 1;
      if (n === 1) throw new Error('the ledger is malformed');
      return { wake: null, value: { ok: n } };
    },
  });
  try {
    assert.equal(await t.request('first'), { failed: 'the ledger is malformed' });
    assert.equal(logged, ['Error: the ledger is malformed']);
    assert.equal(await t.request('again'), { ok: 2 });
  } finally {
    abort.abort();
  }
});

test.run();

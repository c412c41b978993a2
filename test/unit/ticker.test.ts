import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Ticker } from '../../internal/daemon/ticker.js';

function harness(intervalMs: number, tickMs = 0) {
  const ticks: string[][] = [];
  const abort = new AbortController();
  let release: (() => void) | undefined;
  let hold = false;
  const ticker = new Ticker({
    intervalMs,
    signal: abort.signal,
    onError: () => undefined,
    runTick: async (reasons) => {
      ticks.push(reasons);
      if (hold) await new Promise<void>((r) => (release = r));
      else if (tickMs) await new Promise((r) => setTimeout(r, tickMs));
    },
  });
  return {
    ticks,
    ticker,
    abort,
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

test.run();

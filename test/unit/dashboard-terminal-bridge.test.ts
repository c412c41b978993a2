/**
 * The browser terminal's bridge, with a fake WebSocket and fake ptys (the real tmux attach is in
 * test/e2e/dashboard-terminal): keys are dropped server-side while watching, "take" swaps in a
 * normal client, a slow page stops the pty being read (bounded memory), closing detaches.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EventEmitter } from 'node:events';
import type { IPty } from 'node-pty';
import type { WebSocket } from 'ws';
import { HIGH_WATER, LOW_WATER, TerminalBridge } from '../../internal/dashboard/terminal-bridge.js';
import type { TerminalTarget } from '../../internal/dashboard/terminal-target.js';
import { GtError } from '../../internal/errors.js';

class FakeWs extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  sent: Array<string | Buffer> = [];
  callbacks: Array<() => void> = [];
  closedWith: number | undefined;
  send(data: string | Buffer, opts?: unknown, cb?: () => void): void {
    this.sent.push(data);
    if (Buffer.isBuffer(data)) this.bufferedAmount += data.length;
    const done = typeof opts === 'function' ? (opts as () => void) : cb;
    if (done) this.callbacks.push(done);
  }
  close(code: number): void {
    this.closedWith = code;
    this.readyState = 3;
    this.emit('close');
  }
  /** The page read everything so far. */
  drain(): void {
    this.bufferedAmount = 0;
    for (const cb of this.callbacks.splice(0)) cb();
  }
  fromPage(m: unknown): void {
    this.emit('message', Buffer.from(JSON.stringify(m)), false);
  }
  notices(): Array<Record<string, unknown>> {
    return this.sent.filter((s): s is string => typeof s === 'string').map((s) => JSON.parse(s) as Record<string, unknown>);
  }
}

class FakePty {
  written: string[] = [];
  resized: Array<[number, number]> = [];
  paused = false;
  killed = false;
  pauses = 0;
  private dataCb: ((d: string) => void) | undefined;
  private exitCb: (() => void) | undefined;
  constructor(readonly pid: number, readonly mode: string) {}
  onData(cb: (d: string) => void) {
    this.dataCb = cb;
    return { dispose() {} };
  }
  onExit(cb: () => void) {
    this.exitCb = cb;
    return { dispose() {} };
  }
  write(d: string) {
    this.written.push(d);
  }
  resize(c: number, r: number) {
    this.resized.push([c, r]);
  }
  pause() {
    this.paused = true;
    this.pauses++;
  }
  resume() {
    this.paused = false;
  }
  kill() {
    this.killed = true;
  }
  emitData(d: string) {
    this.dataCb?.(d);
  }
  exit() {
    this.exitCb?.();
  }
}

function setup() {
  const ws = new FakeWs();
  const ptys: FakePty[] = [];
  const target: TerminalTarget = {
    identity: 'mayor',
    session: 'hq-mayor',
    size: async () => ({ cols: 80, rows: 24 }),
    attach: (mode) => {
      const p = new FakePty(100 + ptys.length, mode);
      ptys.push(p);
      return p as unknown as IPty;
    },
  };
  const bridge = new TerminalBridge(ws as unknown as WebSocket, () => undefined);
  return { ws, ptys, target, bridge };
}

test('opens watching: a read-only client at the window size, and keys and resizes from the page are dropped', async () => {
  const { ws, ptys, target, bridge } = setup();
  await bridge.open(async () => target);
  assert.is(ptys.length, 1);
  assert.is(ptys[0]!.mode, 'watch');
  assert.equal(ws.notices()[0], { t: 'ready', mode: 'watch', identity: 'mayor', session: 'hq-mayor', cols: 80, rows: 24 });
  ws.fromPage({ t: 'in', d: 'rm -rf /\r' });
  ws.fromPage({ t: 'resize', cols: 200, rows: 60 });
  assert.equal(ptys[0]!.written, []);
  assert.equal(ptys[0]!.resized, []);
});

test('take control: the watching client is replaced by a normal one; then keys and resizes go through', async () => {
  const { ws, ptys, target, bridge } = setup();
  await bridge.open(async () => target);
  ws.fromPage({ t: 'take', cols: 120, rows: 40 });
  assert.is(ptys.length, 2);
  assert.ok(ptys[0]!.killed, 'the read-only client detached');
  assert.is(ptys[1]!.mode, 'control');
  assert.equal(ws.notices().at(-1), { t: 'ready', mode: 'control', identity: 'mayor', session: 'hq-mayor', cols: 120, rows: 40 });
  ws.fromPage({ t: 'in', d: 'hello\r' });
  ws.fromPage({ t: 'resize', cols: 100, rows: 30 });
  assert.equal(ptys[1]!.written, ['hello\r']);
  assert.equal(ptys[1]!.resized, [[100, 30]]);
  // The old client's exit (it was killed) does not end the page's terminal.
  ptys[0]!.exit();
  assert.is(ws.closedWith, undefined);
});

test('malformed messages are ignored, not fatal', async () => {
  const { ws, ptys, target, bridge } = setup();
  await bridge.open(async () => target);
  ws.emit('message', Buffer.from('not json'), false);
  ws.fromPage({ t: 'take', cols: 'wide', rows: 40 });
  ws.fromPage({ t: 'in', d: 'x'.repeat(70 * 1024) });
  ws.emit('message', Buffer.from([1, 2, 3]), true);
  assert.is(ptys.length, 1);
  assert.is(ws.readyState, 1);
});

test('a slow page: above the high-water mark the pty is paused (nothing more is read), and resumed once drained', async () => {
  const { ws, ptys, target, bridge } = setup();
  await bridge.open(async () => target);
  const p = ptys[0]!;
  const chunk = 'x'.repeat(256 * 1024);
  for (let i = 0; i < 64 && !p.paused; i++) p.emitData(chunk);
  assert.ok(p.paused, `still reading with ${ws.bufferedAmount} bytes unsent`);
  assert.ok(ws.bufferedAmount > HIGH_WATER && ws.bufferedAmount <= HIGH_WATER + chunk.length, `paused at ${ws.bufferedAmount} bytes`);
  assert.is(p.pauses, 1);
  // Most of it went out, but not enough yet.
  ws.bufferedAmount = LOW_WATER + 1;
  for (const cb of ws.callbacks.splice(0, ws.callbacks.length - 1)) cb();
  assert.ok(p.paused, 'still above the low-water mark: stays paused');
  ws.drain();
  assert.not.ok(p.paused, 'resumed once the page caught up');
});

test('closing the page kills our tmux client (a detach), once; an agent without a session is an error on the page', async () => {
  const { ws, ptys, target, bridge } = setup();
  await bridge.open(async () => target);
  ws.emit('close');
  assert.ok(ptys[0]!.killed);
  const other = setup();
  await other.bridge.open(async () => {
    throw new GtError('NOT_FOUND', 'mayor has no session (hq-mayor)');
  });
  assert.equal(other.ws.notices(), [{ t: 'error', message: 'mayor has no session (hq-mayor)' }]);
  assert.is(other.ws.closedWith, 1011);
  assert.is(other.ptys.length, 0);
});

test('the session ending (its tmux client exits) tells the page and closes the socket', async () => {
  const { ws, ptys, target, bridge } = setup();
  await bridge.open(async () => target);
  ptys[0]!.exit();
  assert.is(ws.notices().at(-1)!.t, 'exit');
  assert.is(ws.closedWith, 1000);
  void bridge;
});

test.run();

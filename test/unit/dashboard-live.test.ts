/**
 * The live hub (what every open page follows) and the read-view helpers: snapshots are read only
 * while a page is connected, coalesced, sent only when changed; ticks alone never cause a read;
 * a page that does not read is dropped instead of growing the server's memory.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EventEmitter } from 'node:events';
import type { WebSocket } from 'ws';
import { LiveHub } from '../../internal/dashboard/live.js';
import { mergeQueueView, needsHuman, polecatsAtWork, type DaemonStatus, type TownSnapshot } from '../../internal/dashboard/views.js';
import type { AgentRow } from '../../internal/daemon/agents-view.js';
import type { MqEntry } from '../../internal/rig/mq.js';
import { waitFor } from '../helpers/town.js';

class FakeWs extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  sent: string[] = [];
  terminated = false;
  send(text: string): void {
    this.sent.push(text);
  }
  terminate(): void {
    this.terminated = true;
    this.readyState = 3;
  }
  close(): void {
    this.readyState = 3;
  }
  messages(): Array<{ type: string; [k: string]: unknown }> {
    return this.sent.map((s) => JSON.parse(s) as { type: string });
  }
}

function hub(snapshot: () => Partial<TownSnapshot>) {
  let reads = 0;
  const h = new LiveHub(
    async () => {
      reads++;
      return snapshot() as TownSnapshot;
    },
    (): DaemonStatus => ({ running: true, pid: 1 }),
    () => undefined,
  );
  return { h, reads: () => reads };
}

const event = (type: string, seq: number) => ({ type, seq, time: new Date().toISOString() });

test('no page, no reads; a page gets the recent events, then a snapshot', async () => {
  const { h, reads } = hub(() => ({ agents: [] }));
  h.event(event('action', 1));
  h.changed();
  await new Promise((r) => setTimeout(r, 300));
  assert.is(reads(), 0);
  const ws = new FakeWs();
  h.add(ws as unknown as WebSocket);
  await waitFor('a snapshot sent', () => ws.messages().some((m) => m.type === 'snapshot'), 5_000, 20);
  assert.is(ws.messages()[0]!.type, 'events');
  assert.is((ws.messages()[0]!.events as unknown[]).length, 1);
  assert.is(reads(), 1);
});

test('a burst of changes is one read; an unchanged snapshot is not sent again; ticks alone read nothing', async () => {
  let n = 0;
  const { h, reads } = hub(() => ({ agents: [{ identity: `a${n}` }] as unknown as AgentRow[] }));
  const ws = new FakeWs();
  h.add(ws as unknown as WebSocket);
  await waitFor('first snapshot', () => reads() === 1, 5_000, 20);
  for (let i = 0; i < 20; i++) h.changed();
  await waitFor('the burst read', () => reads() === 2, 5_000, 20);
  await new Promise((r) => setTimeout(r, 800));
  assert.is(reads(), 2, 'twenty changes, one read');
  assert.is(ws.messages().filter((m) => m.type === 'snapshot').length, 1, 'same content: not sent twice');
  for (let i = 0; i < 5; i++) {
    h.event(event('tick_start', 10 + i));
    h.event(event('tick_end', 20 + i));
  }
  await new Promise((r) => setTimeout(r, 800));
  assert.is(reads(), 2, 'ticks are forwarded but read nothing');
  assert.is(ws.messages().filter((m) => m.type === 'event').length, 10);
  n = 1;
  h.event(event('action', 30));
  await waitFor('a changed snapshot sent', () => ws.messages().filter((m) => m.type === 'snapshot').length === 2, 5_000, 20);
});

test('a page that stops reading is dropped once its backlog passes the bound', () => {
  const { h } = hub(() => ({}));
  const slow = new FakeWs();
  const fine = new FakeWs();
  h.add(slow as unknown as WebSocket);
  h.add(fine as unknown as WebSocket);
  slow.bufferedAmount = 4 * 1024 * 1024;
  h.event(event('action', 1));
  assert.ok(slow.terminated, 'the slow page was dropped');
  assert.not.ok(fine.terminated);
  assert.is(h.size, 1);
});

test('the event ring keeps the last 100 for a late page', async () => {
  const { h } = hub(() => ({}));
  for (let i = 1; i <= 150; i++) h.event(event('action', i));
  const ws = new FakeWs();
  h.add(ws as unknown as WebSocket);
  const first = ws.messages()[0]!;
  const seqs = (first.events as Array<{ seq: number }>).map((e) => e.seq);
  assert.is(seqs.length, 100);
  assert.is(seqs[0], 51);
  assert.is(seqs.at(-1), 150);
});

const row = (p: Partial<AgentRow>): AgentRow => ({ identity: 'x', role: 'polecat', rig: 'r', name: null, session: 's', runtime: 'sim', supervised: true, liveness: 'alive', liveness_reason: '', pid: 1, state: null, activity: { state: 'idle', since: null, last_seen: null, source: 'heartbeat' }, hook: null, updated_at: '2026-01-01T00:00:00Z', crashes: 0, last_exit: null, next_attempt: null, crash_loop: null, no_progress: null, held: null, last_start_error: null, ...p });
const blocked = (reason: string | undefined, since: string | null): AgentRow['activity'] => ({ state: 'blocked', ...(reason ? { reason } : {}), since, last_seen: null, source: 'heartbeat' });

test('read-view helpers: NEEDS_HUMAN from blocked agents, polecats at work, the merge queue view', () => {
  assert.equal(needsHuman([row({ identity: 'a' }), row({ identity: 'b', activity: blocked(undefined, null) }), row({ identity: 'c', state: 'working', activity: blocked('permission', '2026-02-02T00:00:00Z') })]), [
    { kind: 'needs_human', agent: 'b', reason: 'blocked', since: '2026-01-01T00:00:00Z' },
    { kind: 'needs_human', agent: 'c', reason: 'permission', since: '2026-02-02T00:00:00Z' },
  ]);
  assert.equal(
    polecatsAtWork([row({ identity: 'r/polecats/a', hook: 'r-1', state: 'working' }), row({ identity: 'r/polecats/b' }), row({ identity: 'r/witness', role: 'witness', hook: 'r-2' })]),
    [{ identity: 'r/polecats/a', rig: 'r', hook: 'r-1', state: 'working', liveness: 'alive' }],
  );
  const mq = (id: number, status: MqEntry['status']) => ({ id: `m${id}`, status }) as MqEntry;
  const entries = [...Array.from({ length: 15 }, (_, i) => mq(i, 'merged')), mq(20, 'queued'), mq(21, 'conflict')];
  const view = mergeQueueView(entries);
  assert.equal(view.map((e) => e.id), ['m20', 'm21', 'm5', 'm6', 'm7', 'm8', 'm9', 'm10', 'm11', 'm12', 'm13', 'm14']);
});

test.run();

/**
 * The page's Attention section as the read views build it: open questions first, named by the
 * asking agent's row; an agent blocked on the question it asks is listed once (as the question);
 * other blocked agents follow. A question's deadline is a change by the clock alone: the live hub
 * reads the town again when it passes, with no ledger write to wake it.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EventEmitter } from 'node:events';
import type { WebSocket } from 'ws';
import { LiveHub } from '../../internal/dashboard/live.js';
import { attentionItems, nextLapse, type QuestionItem, type TownSnapshot } from '../../internal/dashboard/views.js';
import { waitFor } from '../helpers/town.js';

/** A row of the agents read view (`gt agents --json`), as the attention views take it. */
type AgentRow = Parameters<typeof attentionItems>[1][number];
const row = (p: Record<string, unknown>): AgentRow =>
  ({ identity: 'x', role: 'polecat', rig: 'r', name: null, session: 's', runtime: 'sim', supervised: true, liveness: 'alive', liveness_reason: '', pid: 1, state: null, hook: null, updated_at: '2026-01-01T00:00:00Z', crashes: 0, ...p }) as unknown as AgentRow;
/** A blocked agent as the read view reports it (its activity, internal/agent/state.ts). */
const blocked = (reason: string, since: string) => ({ activity: { state: 'blocked', reason, since, last_seen: null, source: 'heartbeat' } });

const question = (p: Partial<QuestionItem>): QuestionItem => ({ kind: 'question', id: 'msg-1', from: 'mayor/', text: 'Ship it?', asked_at: '2026-01-01T00:00:00Z', expires_at: '2026-01-01T00:10:00Z', ...p });

test('questions first, named by the asking agent; an agent blocked on its own question is listed once', () => {
  const agents = [
    row({ identity: 'mayor', role: 'mayor', rig: null, session: 'hq-mayor', ...blocked('question', '2026-01-01T00:00:01Z') }),
    row({ identity: 'r/witness', role: 'witness', session: 'r-witness', ...blocked('permission', '2026-01-01T00:00:02Z') }),
    row({ identity: 'r/polecats/a', session: 'r-a', activity: { state: 'working', since: null, last_seen: null, source: 'heartbeat' } }),
  ];
  const items = attentionItems([question({ id: 'msg-1', session: 'hq-mayor', options: ['yes', 'no'] }), question({ id: 'msg-2', from: 'gone/', session: 'old-session' })], agents);
  assert.equal(items, [
    { ...question({ id: 'msg-1', session: 'hq-mayor', options: ['yes', 'no'] }), agent: 'mayor' },
    question({ id: 'msg-2', from: 'gone/', session: 'old-session' }),
    { kind: 'needs_human', agent: 'r/witness', reason: 'permission', since: '2026-01-01T00:00:02Z' },
  ]);
});

test('an agent blocked on a question that is no longer open still needs a person (nothing hides it)', () => {
  const agents = [row({ identity: 'mayor', session: 'hq-mayor', ...blocked('question', '2026-01-01T00:00:03Z') })];
  assert.equal(attentionItems([], agents), [{ kind: 'needs_human', agent: 'mayor', reason: 'question', since: '2026-01-01T00:00:03Z' }]);
  // A question from another session does not hide it either.
  assert.is(attentionItems([question({ session: 'other' })], agents).length, 2);
});

test('nextLapse: the first open question deadline, none without questions', () => {
  assert.is(nextLapse({ attention: [] }), undefined);
  assert.is(nextLapse({ attention: [{ kind: 'needs_human', agent: 'a', reason: 'permission', since: null }] }), undefined);
  assert.is(
    nextLapse({ attention: [question({ expires_at: '2026-01-01T00:10:00Z' }), question({ id: 'msg-2', expires_at: '2026-01-01T00:05:00Z' })] }),
    Date.parse('2026-01-01T00:05:00Z'),
  );
});

class FakeWs extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  sent: string[] = [];
  send(text: string): void {
    this.sent.push(text);
  }
  terminate(): void {
    this.readyState = 3;
  }
  close(): void {
    this.readyState = 3;
  }
}

test('the live hub reads again when a shown question lapses, with no other change; never in a loop', async () => {
  let reads = 0;
  // The question is shown until its deadline, as the ledger's openQuestions does.
  const deadline = Date.now() + 1_200;
  const h = new LiveHub(
    async () => {
      reads++;
      const open = Date.now() < deadline ? [question({ expires_at: new Date(deadline).toISOString() })] : [];
      return { attention: open } as unknown as TownSnapshot;
    },
    () => ({ running: true, pid: 1 }),
    () => undefined,
    nextLapse,
  );
  const ws = new FakeWs();
  h.add(ws as unknown as WebSocket);
  const snaps = () => ws.sent.map((s) => JSON.parse(s) as { type: string; snapshot?: TownSnapshot }).filter((m) => m.type === 'snapshot');
  await waitFor('the question shown', () => snaps().some((m) => m.snapshot!.attention.length === 1), 5_000, 20);
  await waitFor('the question gone after its deadline, with no change reported', () => snaps().at(-1)!.snapshot!.attention.length === 0, 5_000, 20);
  assert.ok(Date.now() >= deadline);
  const after = reads;
  await new Promise((r) => setTimeout(r, 1_000));
  assert.is(reads, after, 'nothing left to lapse: no more reads');
  h.closeAll(1001, 'test over');
});

test('a lapse already past when the read began arms nothing (a clock the ledger disagrees with cannot loop)', async () => {
  let reads = 0;
  const h = new LiveHub(
    async () => {
      reads++;
      return { attention: [question({ expires_at: new Date(Date.now() - 60_000).toISOString() })] } as unknown as TownSnapshot;
    },
    () => ({ running: true, pid: 1 }),
    () => undefined,
    nextLapse,
  );
  h.add(new FakeWs() as unknown as WebSocket);
  await waitFor('the first read', () => reads === 1, 5_000, 20);
  await new Promise((r) => setTimeout(r, 1_000));
  assert.is(reads, 1);
  h.closeAll(1001, 'test over');
});

test.run();

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  clearSlot,
  emptyNotifyState,
  loadNotifyState,
  pruneSlots,
  record,
  saveNotifyState,
  shouldNotify,
  slotKey,
  type NotifyState,
  type SlotId,
} from '../../internal/daemon/policy/index.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.parse('2025-01-01T00:00:00Z');
const id: SlotId = { recipient: 'myrig/witness', kind: 'gupp', agent: 'myrig/polecats/toast' };
const key = slotKey(id);
const dir = mkdtempSync(join(tmpdir(), 'gt-policy-notify-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** One tick of "notify if the slot allows": returns the new state and whether it notified. */
function tick(state: NotifyState, condition: string, now: number, maxAge = HOUR): [NotifyState, boolean] {
  if (!shouldNotify(state, key, condition, now, maxAge)) return [state, false];
  return [record(state, id, condition, now), true];
}

test('a persisting condition notifies once', () => {
  let s = emptyNotifyState();
  let sent = 0;
  for (let i = 0; i < 50; i++) {
    const [n, did] = tick(s, 'no-progress', T0 + i * MIN);
    s = n;
    if (did) sent++;
  }
  assert.is(sent, 1);
});

test('a changed condition notifies again', () => {
  let [s, did] = tick(emptyNotifyState(), 'a', T0);
  assert.ok(did);
  [s, did] = tick(s, 'a', T0 + MIN);
  assert.not.ok(did);
  [s, did] = tick(s, 'b', T0 + 2 * MIN);
  assert.ok(did);
  [, did] = tick(s, 'b', T0 + 3 * MIN);
  assert.not.ok(did);
});

test('a slot older than max age notifies again; Infinity never expires', () => {
  const [s] = tick(emptyNotifyState(), 'a', T0);
  assert.not.ok(shouldNotify(s, key, 'a', T0 + HOUR - 1, HOUR));
  assert.ok(shouldNotify(s, key, 'a', T0 + HOUR, HOUR));
  assert.not.ok(shouldNotify(s, key, 'a', T0 + 1000 * HOUR, Infinity));
});

test('clearing the slot when the condition ends lets the next episode notify', () => {
  let [s] = tick(emptyNotifyState(), 'a', T0);
  s = clearSlot(s, key);
  const [, did] = tick(s, 'a', T0 + MIN);
  assert.ok(did);
});

test('slots are per (recipient, kind, agent)', () => {
  const [s] = tick(emptyNotifyState(), 'a', T0);
  assert.ok(shouldNotify(s, slotKey({ ...id, recipient: 'log' }), 'a', T0, HOUR));
  assert.ok(shouldNotify(s, slotKey({ ...id, kind: 'crash-loop' }), 'a', T0, HOUR));
  assert.ok(shouldNotify(s, slotKey({ ...id, agent: 'myrig/polecats/nux' }), 'a', T0, HOUR));
});

test('record and clearSlot return new objects and leave the input alone', () => {
  const empty = Object.freeze(emptyNotifyState());
  const s = record(empty, id, 'a', T0);
  assert.equal(empty.slots, {});
  const c = clearSlot(s, key);
  assert.ok(s.slots[key]);
  assert.equal(c.slots, {});
});

test('pruneSlots drops only expired, unprotected slots', () => {
  let s = record(emptyNotifyState(), id, 'a', T0);
  const other: SlotId = { recipient: 'log', kind: 'gate:estop', agent: '' };
  s = record(s, other, 'closed', T0);
  const p = pruneSlots(s, T0 + 2 * HOUR, HOUR, (slot) => slot.kind.startsWith('gate:'));
  assert.equal(Object.keys(p.slots), [slotKey(other)]);
  assert.is(pruneSlots(s, T0 + MIN, HOUR), s);
});

test('slots survive a save/load round trip (a daemon restart does not re-send)', () => {
  const file = join(dir, 'notify_state.json');
  const [s] = tick(emptyNotifyState(), 'no-progress', T0);
  saveNotifyState(file, s);
  const loaded = loadNotifyState(file);
  assert.is(loaded.warning, undefined);
  assert.equal(loaded.state, s);
  const [, did] = tick(loaded.state, 'no-progress', T0 + MIN);
  assert.not.ok(did, 'the persisted slot still suppresses the repeat');
});

test('missing notify_state.json is empty; corrupt is empty with a warning', () => {
  assert.equal(loadNotifyState(join(dir, 'missing.json')), { state: emptyNotifyState() });
  const file = join(dir, 'bad.json');
  for (const content of ['not json', '{"version":1,"slots":{"k":{"condition":1}}}', '[]']) {
    writeFileSync(file, content);
    const r = loadNotifyState(file);
    assert.equal(r.state, emptyNotifyState());
    assert.match(r.warning ?? '', 'daemon/notify_state.json');
  }
});

test.run();

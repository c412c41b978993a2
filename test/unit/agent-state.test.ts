import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { activityText, agentActivity } from '../../internal/agent/state.js';

const T = Date.parse('2026-11-30T12:00:00.000Z');
const at = (ms: number) => new Date(T + ms).toISOString();

test('liveness first: no agent process is dead, whatever its last report said', () => {
  for (const liveness of ['dead', 'zombie'] as const) {
    const a = agentActivity({ liveness, heartbeat: { timestamp: at(0), state: 'working' }, screen: { kind: 'permission', reason: 'x' } });
    assert.is(a.state, 'dead');
    assert.is(a.last_seen, at(0));
    assert.is(a.source, 'liveness');
  }
});

test('a recognised blocking screen says blocked, whatever the last hook said', () => {
  const a = agentActivity({ liveness: 'alive', heartbeat: { timestamp: at(0), state: 'working' }, screen: { kind: 'usage-limit', reason: 'limit reached', resetAt: T + 3_600_000 } });
  assert.equal([a.state, a.reason, a.source, a.reset_at], ['blocked', 'usage-limit', 'screen', at(3_600_000)]);
});

test('the agent\'s own report: working, idle, blocked with its reason, and since when', () => {
  const w = agentActivity({ liveness: 'alive', heartbeat: { timestamp: at(5000), state: 'working', since: at(1000), event: 'PostToolUse' }, sessionCreated: T });
  assert.equal([w.state, w.since, w.last_seen, w.event, w.source], ['working', at(1000), at(5000), 'PostToolUse', 'heartbeat']);
  const i = agentActivity({ liveness: 'alive', heartbeat: { timestamp: at(5000), state: 'idle' } });
  assert.equal([i.state, i.since], ['idle', at(5000)], 'without since, the report\'s own time');
  const b = agentActivity({ liveness: 'alive', heartbeat: { timestamp: at(1), state: 'blocked', reason: 'permission' } });
  assert.equal([b.state, b.reason], ['blocked', 'permission']);
  assert.is(agentActivity({ liveness: 'alive', heartbeat: { timestamp: at(1), state: 'blocked' } }).reason, 'unknown');
  assert.is(agentActivity({ liveness: 'alive', heartbeat: { timestamp: at(1), state: 'done' } }).state, 'idle', 'a polecat done sits at its prompt');
  assert.is(agentActivity({ liveness: 'alive', heartbeat: { timestamp: at(1), state: 'spawning' } }).state, 'starting');
  const e = agentActivity({ liveness: 'alive', heartbeat: { timestamp: at(1), state: 'idle', error: 'server_error', message: 'API Error: Unable to connect to API (ConnectionRefused)' } });
  assert.equal([e.state, e.error, e.message], ['idle', 'server_error', 'API Error: Unable to connect to API (ConnectionRefused)']);
});

test('an open question of its own: at its prompt it waits for a person (blocked: question, since the ask); working stays working', () => {
  const q = agentActivity({ liveness: 'alive', heartbeat: { timestamp: at(9000), state: 'idle', event: 'Stop' }, askedAt: at(2000) });
  assert.equal([q.state, q.reason, q.since, q.last_seen, q.event], ['blocked', 'question', at(2000), at(9000), 'Stop']);
  assert.is(agentActivity({ liveness: 'alive', heartbeat: { timestamp: at(9000), state: 'working' }, askedAt: at(2000) }).state, 'working');
  assert.is(agentActivity({ liveness: 'alive', heartbeat: { timestamp: at(9000), state: 'idle' } }).state, 'idle', 'no question: idle');
  assert.is(agentActivity({ liveness: 'dead', heartbeat: { timestamp: at(9000), state: 'idle' }, askedAt: at(2000) }).state, 'dead');
});

test('starting: alive with no report, an unknown state, or only the previous session\'s report', () => {
  assert.equal(agentActivity({ liveness: 'alive', sessionCreated: T }), { state: 'starting', since: at(0), last_seen: null, source: 'session' });
  assert.is(agentActivity({ liveness: 'alive', heartbeat: { timestamp: at(9), state: 'pondering' } }).state, 'starting', 'unknown state strings are no report');
  const old = agentActivity({ liveness: 'alive', heartbeat: { timestamp: at(-60_000), state: 'working' }, sessionCreated: T + 500 });
  assert.equal([old.state, old.last_seen], ['starting', at(-60_000)]);
  // tmux keeps whole seconds: a report in the session's first second counts.
  assert.is(agentActivity({ liveness: 'alive', heartbeat: { timestamp: at(100), state: 'idle' }, sessionCreated: T + 700 }).state, 'idle');
  assert.is(agentActivity({ liveness: 'alive', heartbeat: { timestamp: 'garbage', state: 'idle' } }).state, 'starting');
});

test('tmux unknown is not death: the report still stands', () => {
  assert.is(agentActivity({ liveness: 'unknown', heartbeat: { timestamp: at(0), state: 'idle' } }).state, 'idle');
});

test('activityText: one short cell with the age and any API error', () => {
  assert.is(activityText(agentActivity({ liveness: 'alive', heartbeat: { timestamp: at(0), state: 'working', since: at(0) } }), T + 125_000), 'working 2m');
  assert.is(activityText(agentActivity({ liveness: 'alive', heartbeat: { timestamp: at(0), state: 'blocked', reason: 'permission' } }), T + 30_000), 'blocked: permission 30s');
  assert.is(activityText(agentActivity({ liveness: 'alive', heartbeat: { timestamp: at(0), state: 'idle', error: 'server_error', message: 'API Error: down' } }), T + 1000), 'idle 1s (API Error: down)');
  assert.is(activityText(agentActivity({ liveness: 'dead' }), T), 'dead');
});

test.run();

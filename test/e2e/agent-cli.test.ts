import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gt, makeTown, readJson, waitFor, type TempTown } from '../helpers/town.js';

let town: TempTown;
test.before(async () => {
  town = await makeTown({ agent: 'sim', settings: { daemon: { recovery_interval: '10m' } } });
});
test.after(async () => town.cleanup());

const inSession = (role: string, extra: Record<string, string> = {}) => ({ GT_TOWN_ROOT: town.root, GT_ROLE: role, ...extra });

test('gt deacon heartbeat counts cycles and records the last action; a corrupt file restarts the count', async () => {
  const a = await gt(['deacon', 'heartbeat', '--action', 'patrolled', '--json', '--town', town.root]);
  assert.is(a.code, 0, a.stderr);
  assert.is(JSON.parse(a.stdout).cycle, 0);
  const b = await gt(['deacon', 'heartbeat', '--json', '--town', town.root]);
  assert.is(JSON.parse(b.stdout).cycle, 1);
  const file = readJson(join(town.root, 'deacon', 'heartbeat.json'));
  assert.is(file.cycle, 1);
  assert.ok(Date.parse(file.timestamp) > 0);
  writeFileSync(join(town.root, 'deacon', 'heartbeat.json'), '{"cycle": "many"');
  const c = await gt(['deacon', 'heartbeat', '--json', '--town', town.root]);
  assert.is(c.code, 0, c.stderr);
  assert.is(JSON.parse(c.stdout).cycle, 0);
});

test('any gt command inside a session refreshes the agent heartbeat file', async () => {
  const hb = join(town.root, '.runtime', 'heartbeats', 'hq-mayor.json');
  assert.not.ok(existsSync(hb));
  const r = await gt(['mail', 'inbox', '--json'], { env: inSession('mayor') });
  assert.is(r.code, 0, r.stderr);
  const first = readJson(hb).timestamp;
  await new Promise((res) => setTimeout(res, 20));
  await gt(['daemon', 'status'], { env: inSession('mayor') });
  assert.ok(readJson(hb).timestamp > first, 'a second command moves the timestamp');
});

test('gt handoff mails deacon/ a LIFECYCLE request and wakes the verified daemon', async () => {
  const start = await gt(['daemon', 'start', '--town', town.root]);
  assert.is(start.code, 0, start.stderr);
  const before = readJson(join(town.root, 'daemon', 'state.json')).tick_count;
  const r = await gt(['handoff', '--restart', '--json'], { env: inSession('mayor') });
  assert.is(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.is(out.action, 'restart');
  assert.type(out.signalled, 'number');
  await waitFor('the USR1 tick', () => readJson(join(town.root, 'daemon', 'state.json')).tick_count > before);
  const req = JSON.parse((await gt(['mail', 'read', out.message, '--json', '--town', town.root])).stdout);
  assert.is(req.subject, 'LIFECYCLE: mayor/ requesting restart');
  assert.equal(JSON.parse(req.body), { action: 'restart' });
  assert.is(req.from, 'mayor/');
  // The daemon claimed it (closed) so it is acted on once.
  await waitFor('the daemon to claim the request', async () => JSON.parse((await gt(['mail', 'read', out.message, '--json', '--town', town.root])).stdout).status === 'closed');
});

test('gt handoff refuses outside a session and with two actions', async () => {
  const outside = await gt(['handoff', '--town', town.root], { env: { GT_ROLE: '' } });
  assert.is(outside.code, 1);
  assert.match(outside.stderr, /runs inside an agent session/);
  const two = await gt(['handoff', '--cycle', '--shutdown'], { env: inSession('mayor') });
  assert.is(two.code, 2);
  assert.is(two.stderr.trim(), 'gt: handoff: choose one of --cycle, --restart, --shutdown (got --cycle --shutdown)');
});

test('gt status shows the daemon, agents, open work and unread mail', async () => {
  await gt(['bead', 'create', '--prefix', 'demo', '--title', 'Fix the thing', '--town', town.root]);
  await gt(['mail', 'send', 'mayor/', '-s', 'hello', '-m', 'unread until read', '--town', town.root]);
  const r = await gt(['status', '--json', '--town', town.root]);
  assert.is(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  assert.is(s.daemon.running, true);
  assert.equal(s.agents.map((a: { identity: string }) => a.identity).sort(), ['deacon', 'mayor']);
  assert.ok(s.work.some((w: { title: string }) => w.title === 'Fix the thing'));
  assert.ok(s.unread_mail['mayor/'] >= 1);
  const human = await gt(['status', '--town', town.root]);
  assert.match(human.stdout, /daemon running \(pid \d+/);
  assert.match(human.stdout, /unread mail: .*mayor\/ \d/);
});

test.run();

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openLedger, withLedger, SCHEMA_VERSION, type Ledger } from '../../internal/ledger/index.js';
import { townLayout, type TownLayout } from '../../internal/town/layout.js';
import { GtError } from '../../internal/errors.js';

const dirs: string[] = [];
function freshLayout(): TownLayout {
  const d = mkdtempSync(join(tmpdir(), 'gt-ledger-'));
  dirs.push(d);
  return townLayout(d);
}
function fresh(now?: () => Date): { l: Ledger; layout: TownLayout } {
  const layout = freshLayout();
  return { l: openLedger(layout, { now }), layout };
}
function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof GtError, `not a GtError: ${String(e)}`);
    assert.not.match((e as GtError).line, '\n');
    return (e as GtError).code;
  }
  return undefined;
}

test.after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test('first open creates .beads, WAL mode, the current schema version', () => {
  const layout = freshLayout();
  assert.not.ok(existsSync(layout.beadsDir));
  withLedger(layout, () => undefined);
  assert.ok(existsSync(layout.ledgerFile));
  const db = new Database(layout.ledgerFile, { readonly: true });
  assert.is(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.is(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
  db.close();
});

test('reopening an existing ledger keeps its data and does not migrate again', () => {
  const layout = freshLayout();
  const id = withLedger(layout, (l) => l.createBead({ prefix: 'gt', title: 'keep me' }).id);
  const again = withLedger(layout, (l) => l.getBead(id));
  assert.is(again?.title, 'keep me');
  const db = new Database(layout.ledgerFile, { readonly: true });
  assert.is(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
  db.close();
});

test('a ledger from a newer gt is refused with a clear error', () => {
  const layout = freshLayout();
  withLedger(layout, () => undefined);
  const db = new Database(layout.ledgerFile);
  db.pragma(`user_version = ${SCHEMA_VERSION + 5}`);
  db.close();
  try {
    openLedger(layout);
    assert.unreachable('opened a newer ledger');
  } catch (e) {
    assert.match(String((e as Error).message), /newer than this gt/);
  }
});

test('a file that is not SQLite is a one-line IO error, not a crash', () => {
  const layout = freshLayout();
  withLedger(layout, () => undefined);
  rmSync(layout.beadsDir, { recursive: true });
  mkdirSync(layout.beadsDir, { recursive: true });
  writeFileSync(layout.ledgerFile, 'this is plainly not an SQLite database file, it is text.\n'.repeat(20));
  assert.is(code(() => openLedger(layout)), 'IO');
  try {
    openLedger(layout);
  } catch (e) {
    assert.match((e as GtError).line, /not a valid SQLite database/);
  }
});


test('create / get / list / update / close work beads', () => {
  let t = Date.parse('2024-01-01T00:00:00Z');
  const { l } = fresh(() => new Date((t += 1000)));
  const a = l.createBead({ prefix: 'gt', title: ' first ', description: 'd', priority: 1, labels: ['x'] });
  assert.match(a.id, /^gt-[0-9a-z]{5}$/);
  assert.is(a.title, 'first');
  assert.is(a.status, 'open');
  const b = l.createBead({ prefix: 'gt', title: 'second' });
  const c = l.createBead({ prefix: 'other', title: 'third' });
  assert.is(b.priority, 2);
  assert.equal(l.listBeads().map((x) => x.id), [a.id, b.id, c.id]);
  assert.equal(l.listBeads({ prefix: 'gt' }).map((x) => x.id), [a.id, b.id]);
  const u = l.updateBead(b.id, { status: 'in_progress', assignee: 'r1/polecats/toast', fields: { k: 1 } });
  assert.is(u.status, 'in_progress');
  assert.ok(u.updated_at > b.updated_at);
  assert.equal(l.getBead(b.id)?.fields, { k: 1 });
  assert.equal(l.listBeads({ status: 'in_progress' }).map((x) => x.id), [b.id]);
  assert.equal(l.listBeads({ assignee: 'r1/polecats/toast' }).map((x) => x.id), [b.id]);
  const closed = l.closeBead(a.id, 'done');
  assert.is(closed.status, 'closed');
  assert.ok(closed.closed_at);
  assert.is(l.closeBead(a.id).closed_at, closed.closed_at, 'closing twice keeps the first close time');
  assert.equal(l.listBeads({ status: ['open', 'hooked', 'in_progress'] }).map((x) => x.id), [b.id, c.id]);
  assert.is(l.updateBead(a.id, { status: 'open' }).closed_at, null);
  l.close();
});

test('inputs are validated with clear errors', () => {
  const { l } = fresh();
  assert.is(code(() => l.createBead({ prefix: 'gt', title: '   ' })), 'INVALID_INPUT');
  assert.is(code(() => l.createBead({ prefix: 'gt', title: 'x'.repeat(201) })), 'INVALID_INPUT');
  assert.is(code(() => l.createBead({ prefix: 'Bad', title: 'x' })), 'INVALID_INPUT');
  assert.is(code(() => l.createBead({ prefix: 'gt', title: 'x', priority: 9 })), 'INVALID_INPUT');
  assert.is(code(() => l.updateBead('gt-nope', { title: 'x' })), 'NOT_FOUND');
  assert.is(code(() => l.closeBead('gt-nope')), 'NOT_FOUND');
  const b = l.createBead({ prefix: 'gt', title: 'x' });
  assert.is(code(() => l.updateBead(b.id, { title: '' })), 'INVALID_INPUT');
  assert.is(code(() => l.createBead({ prefix: 'gt', id: b.id, title: 'dup' })), 'CONFLICT');
  l.close();
});

test('a bad row in the database is reported naming the bead and field', () => {
  const { l, layout } = fresh();
  const b = l.createBead({ prefix: 'gt', title: 'x' });
  l.close();
  const db = new Database(layout.ledgerFile);
  db.prepare('UPDATE beads SET fields = ? WHERE id = ?').run('{not json', b.id);
  db.close();
  const l2 = openLedger(layout);
  try {
    l2.getBead(b.id);
    assert.unreachable();
  } catch (e) {
    assert.is((e as GtError).code, 'CONFIG_INVALID');
    assert.match((e as GtError).line, `bead ${b.id}.fields`);
  }
  l2.close();
});

test('work ids are unique across many creates', () => {
  const { l } = fresh();
  const ids = new Set<string>();
  l.write(() => {
    for (let i = 0; i < 2000; i++) ids.add(l.createBead({ prefix: 'gt', title: `t${i}` }).id);
  });
  assert.is(ids.size, 2000);
  assert.is(l.listBeads().length, 2000);
  l.close();
});

test('agent beads: upsert, get, list, state, touch', () => {
  let t = Date.parse('2024-01-01T00:00:00Z');
  const { l } = fresh(() => new Date((t += 1000)));
  const d = l.upsertAgentBead({ address: 'deacon', agent_state: 'working', session: 'hq-deacon' });
  assert.is(d.id, 'hq-deacon');
  assert.is(d.address, 'deacon/');
  const p = l.upsertAgentBead({ address: 'r1/toast', prefix: 'gt' });
  assert.is(p.id, 'gt-r1-polecat-toast');
  assert.is(p.agent_state, 'idle');
  assert.is(p.role, 'polecat');
  assert.is(p.rig, 'r1');
  assert.is(p.name, 'toast');
  const w = l.upsertAgentBead({ address: 'r1/witness', prefix: 'gt', agent_state: 'working' });
  assert.is(w.id, 'gt-r1-witness');
  // Upsert keeps what it is not told to change.
  const p2 = l.upsertAgentBead({ address: 'r1/polecats/toast', prefix: 'gt', session: 'gt-toast' });
  assert.is(p2.agent_state, 'idle');
  assert.is(p2.session, 'gt-toast');
  assert.is(p2.created_at, p.created_at);
  assert.equal(l.listAgentBeads().map((a) => a.id), ['gt-r1-polecat-toast', 'gt-r1-witness', 'hq-deacon']);
  assert.equal(l.listAgentBeads({ rig: 'r1', state: 'working' }).map((a) => a.id), ['gt-r1-witness']);
  assert.is(l.setAgentState(p.id, 'stuck').agent_state, 'stuck');
  const before = l.getAgentBead(p.id)!.updated_at;
  assert.ok(l.touchAgentBead(p.id)!.updated_at > before);
  assert.is(l.touchAgentBead('hq-mayor'), undefined);
  assert.is(l.getAgentBead('hq-mayor'), undefined);
  assert.is(code(() => l.setAgentState('hq-mayor', 'idle')), 'NOT_FOUND');
  assert.is(code(() => l.setAgentState(p.id, 'bogus' as never)), 'INVALID_INPUT');
  assert.is(code(() => l.upsertAgentBead({ address: 'r1/witness' })), 'INVALID_INPUT');
  // Agent and message beads are not edited through the work-bead operations.
  assert.is(code(() => l.updateBead(p.id, { title: 'x' })), 'INVALID_INPUT');
  l.close();
});

test('hooks: compare-and-set has one winner; setHook refuses a second holder', () => {
  const { l } = fresh();
  const work = l.createBead({ prefix: 'gt', title: 'job' });
  const first = l.trySetHook({ address: 'r1/toast', prefix: 'gt' }, work.id);
  assert.ok(first.won);
  if (first.won) {
    assert.is(first.agent.hook_bead, work.id);
    assert.is(first.agent.agent_state, 'spawning');
    assert.is(first.bead.status, 'hooked');
    assert.is(first.bead.assignee, 'r1/polecats/toast');
  }
  const second = l.trySetHook({ address: 'r1/nux', prefix: 'gt' }, work.id);
  assert.equal(second, { won: false, holder: 'r1/polecats/toast', status: 'hooked' });
  assert.is(l.getAgentBead('gt-r1-polecat-nux'), undefined, 'the loser leaves no agent bead behind');
  const nux = l.upsertAgentBead({ address: 'r1/nux', prefix: 'gt' });
  assert.is(code(() => l.setHook(nux.id, work.id)), 'CONFLICT');
  // Clearing the hook frees the bead for setHook (status is not looked at).
  l.setHook('gt-r1-polecat-toast', null);
  assert.is(l.setHook(nux.id, work.id).hook_bead, work.id);
  assert.is(l.getBead(work.id)?.assignee, 'r1/polecats/nux');
  // A closed bead cannot be won.
  const done = l.createBead({ prefix: 'gt', title: 'done' });
  l.closeBead(done.id);
  assert.is(l.trySetHook({ address: 'r1/x', prefix: 'gt' }, done.id).won, false);
  assert.is(code(() => l.trySetHook({ address: 'r1/x', prefix: 'gt' }, 'gt-missing')), 'NOT_FOUND');
  assert.is(code(() => l.trySetHook({ address: 'r1/x', prefix: 'gt' }, nux.id)), 'INVALID_INPUT');
  l.close();
});

test('mail: send, inbox, read, unread filter, claim, delete', () => {
  let t = Date.parse('2024-01-01T00:00:00Z');
  const { l } = fresh(() => new Date((t += 1000)));
  const m1 = l.sendMail({ from: 'r1/witness', to: 'mayor', subject: 'one', body: 'b1' });
  const m2 = l.sendMail({ from: 'human', to: 'mayor/', subject: 'two', body: 'b2' });
  l.sendMail({ from: 'mayor', to: 'r1/toast', subject: 'other', body: '' });
  assert.is(m1.to, 'mayor/');
  assert.is(m1.from, 'r1/witness');
  assert.is(m2.from, 'overseer');
  assert.equal(l.inbox('mayor').map((m) => m.id), [m1.id, m2.id]);
  assert.equal(l.inbox('r1/polecats/toast').map((m) => m.subject), ['other']);
  assert.is(l.getMail(m1.id).read, false, 'getMail does not mark read');
  const r = l.readMail(m1.id);
  assert.is(r.read, true);
  assert.ok(r.read_at);
  assert.is(l.readMail(m1.id).read_at, r.read_at, 'first read time kept');
  assert.equal(l.inbox('mayor', { unread: true }).map((m) => m.id), [m2.id]);
  assert.is(l.claimMail(m2.id), true);
  assert.is(l.claimMail(m2.id), false, 'a second claim loses');
  assert.equal(l.inbox('mayor').map((m) => m.id), [m1.id], 'claimed mail leaves the inbox');
  assert.equal(l.inbox('mayor', { all: true }).map((m) => m.id), [m1.id, m2.id]);
  l.deleteMail(m1.id);
  assert.is(code(() => l.readMail(m1.id)), 'NOT_FOUND');
  assert.is(code(() => l.deleteMail(m1.id)), 'NOT_FOUND');
  assert.is(l.claimMail(m1.id), false);
  assert.is(code(() => l.sendMail({ from: 'human', to: 'nowhere', subject: 's' })), 'INVALID_INPUT');
  assert.is(code(() => l.sendMail({ from: 'human', to: 'mayor', subject: '' })), 'INVALID_INPUT');
  assert.is(code(() => l.sendMail({ from: 'bob', to: 'mayor', subject: 's' })), 'INVALID_INPUT');
  // A message is not a work bead.
  const m3 = l.sendMail({ from: 'human', to: 'deacon', subject: 'x' });
  assert.is(code(() => l.closeBead(m3.id)), 'INVALID_INPUT');
  l.close();
});

test('write() groups operations into one transaction: a failure rolls all back', () => {
  const { l } = fresh();
  try {
    l.write(() => {
      l.createBead({ prefix: 'gt', title: 'a' });
      l.sendMail({ from: 'human', to: 'mayor', subject: 's' });
      throw new Error('boom');
    });
  } catch (e) {
    assert.is((e as Error).message, 'boom');
  }
  assert.is(l.listBeads().length, 0);
  l.close();
});

test('heartbeat files are written atomically by touchAgent', async () => {
  const { touchAgent, readHeartbeatFile } = await import('../../internal/ledger/index.js');
  const layout = freshLayout();
  mkdirSync(layout.mayorDir, { recursive: true });
  writeFileSync(layout.rigsFile, JSON.stringify({ version: 1, rigs: { r1: { git_url: '/x', prefix: 'gt', added_at: new Date().toISOString() } } }));
  assert.is(touchAgent(layout, {}), undefined, 'outside a session: nothing');
  withLedger(layout, (l) => {
    const work = l.createBead({ prefix: 'gt', title: 'job' });
    l.trySetHook({ address: 'r1/toast', prefix: 'gt', session: 'gt-toast', agent_state: 'working' }, work.id);
  });
  const before = withLedger(layout, (l) => l.getAgentBead('gt-r1-polecat-toast')!);
  const r = touchAgent(layout, { GT_ROLE: 'polecat', GT_RIG: 'r1', GT_POLECAT: 'toast' }, { now: new Date('2030-01-01T00:00:00Z') });
  assert.is(r?.heartbeatFile, layout.heartbeatFile('gt-toast'));
  const hb = readHeartbeatFile(layout, 'gt-toast');
  assert.equal(hb, { timestamp: '2030-01-01T00:00:00.000Z', state: 'working', since: '2030-01-01T00:00:00.000Z', bead: before.hook_bead! });
  // The same state again: "since" is kept (the span goes on); another state starts a new one.
  touchAgent(layout, { GT_ROLE: 'polecat', GT_RIG: 'r1', GT_POLECAT: 'toast' }, { now: new Date('2030-01-01T00:05:00Z') });
  assert.equal([readHeartbeatFile(layout, 'gt-toast')!.timestamp, readHeartbeatFile(layout, 'gt-toast')!.since], ['2030-01-01T00:05:00.000Z', '2030-01-01T00:00:00.000Z']);
  const after = withLedger(layout, (l) => l.getAgentBead('gt-r1-polecat-toast')!);
  assert.ok(after.updated_at > before.updated_at);
  // Town agents without a bead still get a heartbeat file named after their session.
  touchAgent(layout, { GT_ROLE: 'deacon' });
  assert.is(JSON.parse(readFileSync(layout.heartbeatFile('hq-deacon'), 'utf8')).state, 'working');
});

test.run();

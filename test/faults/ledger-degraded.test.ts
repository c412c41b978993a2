/**
 * Issue 10, degraded mode: the town ledger becomes unusable under a running daemon.
 * - corrupted (its header overwritten): a killed supervised session is still restarted, the
 *   episode is logged once over many ticks and shown by gt status, the file is never written by
 *   the daemon; when the header is restored the daemon leaves degraded mode by itself and sends
 *   exactly one NEEDS_HUMAN to the mayor.
 * - deleted: reported (log once, gt status), never recreated (not even by the restart of a killed
 *   session, which records the start on the agent bead when the ledger is fine).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { faultTown, matching, type FaultTown } from '../helpers/engine-faults.js';
import { daemonPids, gt, readJson, waitFor } from '../helpers/town.js';

let ft: FaultTown;
let daemon: number;
let db: string;
/** The notifier command writes each event (JSON on its stdin) into a file of its own here. */
const notified = mkdtempSync(join(tmpdir(), 'gt-notified-'));
const notifications = () =>
  readdirSync(notified)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(notified, f), 'utf8')) as { kind: string; title: string; severity: string });

const agents = async () => JSON.parse(await ft.gtOk(['agents', '--json'])) as Array<{ identity: string; liveness: string }>;
const alive = async (id: string) => (await agents()).find((a) => a.identity === id)?.liveness === 'alive';
const state = () => readJson(join(ft.root, 'daemon', 'state.json')) as { degraded?: { problem: string; since: string } | null };

function readHeader(): Buffer {
  const b = Buffer.alloc(100);
  const fd = openSync(db, 'r');
  try {
    readSync(fd, b, 0, 100, 0);
  } finally {
    closeSync(fd);
  }
  return b;
}

function writeHeader(b: Buffer): void {
  const fd = openSync(db, 'r+');
  try {
    writeSync(fd, b, 0, b.length, 0);
  } finally {
    closeSync(fd);
  }
}

/** Kill a session's tmux session (its agent with it) and wait until the daemon has it running again. */
async function killAndSeeRestart(session: string, identity: string, mark: number): Promise<void> {
  const before = ft.panePid(session);
  ft.tmux('kill-session', '-t', `=${session}`);
  await waitFor(`${identity} started again`, () => matching(ft.log().slice(mark), new RegExp(`\\b(re)?started ${identity}\\b`)).length >= 1, 30_000);
  await waitFor(`${identity} alive again`, async () => ft.panePid(session) !== undefined && ft.panePid(session) !== before && (await alive(identity)), 30_000);
}

test.before(async () => {
  ft = await faultTown({
    settings: {
      daemon: { recovery_interval: '200ms' },
      restart: { initial_backoff: '100ms', max_backoff: '200ms' },
      notify: { command: ['/bin/sh', '-c', 'cat > "$0/n-$$.tmp" && mv "$0/n-$$.tmp" "$0/n-$$.json"', notified] },
    },
  });
  db = join(ft.root, '.beads', 'beads.db');
  await ft.gtOk(['daemon', 'start']);
  await waitFor('deacon and mayor alive', async () => (await alive('deacon')) && (await alive('mayor')), 30_000);
  await waitFor('the ledger exists', () => existsSync(db), 20_000);
  await ft.waitTicks(2);
  [daemon] = daemonPids(ft.root) as [number];
});
test.after(async () => {
  await ft.teardown();
  rmSync(notified, { recursive: true, force: true });
});

test('a corrupted ledger: supervision goes on, one alert, never overwritten, recovery by itself with one NEEDS_HUMAN', async () => {
  const header = readHeader();
  assert.is(header.subarray(0, 15).toString(), 'SQLite format 3');
  const mark = ft.log().length;
  const garbage = Buffer.from('this is not a database, it was trampled by something: '.padEnd(100, '#'));
  writeHeader(garbage);
  await ft.waitTicks(2);

  // A supervised session killed while the ledger is corrupt is restarted.
  await killAndSeeRestart('hq-mayor', 'mayor', mark);

  await waitFor('degraded in state.json', () => state().degraded?.problem === 'corrupt', 20_000);
  const status = await ft.gtOk(['status']);
  assert.match(status, /daemon running .*DEGRADED/);
  assert.match(status, /ledger: corrupt: .*beads\.db.* is not a valid SQLite database/);
  const sj = JSON.parse(await ft.gtOk(['status', '--json']));
  assert.is(sj.ledger.ok, false);
  assert.is(sj.daemon.degraded.problem, 'corrupt');
  await ft.waitTicks(10);

  const lines = ft.log().slice(mark);
  const alerts = matching(lines, /ledger unavailable \(corrupt\)/);
  assert.is(alerts.length, 1, lines.join('\n'));
  assert.match(alerts[0]!, / ERROR /);
  assert.equal(matching(lines, /tick failed|uncaught|unhandled/), [], lines.join('\n'));
  assert.equal(daemonPids(ft.root), [daemon], 'the daemon keeps running');
  assert.ok(readHeader().equals(garbage), 'the corrupt ledger was not written to');
  // The person heard of it at once, through the notifier (it needs no ledger), once.
  await waitFor('the person notified', () => notifications().length >= 1, 20_000);
  const told = notifications().filter((n) => n.kind === 'NEEDS_HUMAN');
  assert.is(told.length, 1, JSON.stringify(notifications()));
  assert.match(told[0]!.title, /the town ledger is unavailable \(corrupt\)/);
  assert.is(told[0]!.severity, 'critical');

  // Restored: the daemon leaves degraded mode by itself, and tells the mayor once.
  writeHeader(header);
  await waitFor('degraded mode left', () => state().degraded === null || state().degraded === undefined, 20_000);
  await waitFor('NEEDS_HUMAN mailed', async () => (await ft.inbox('mayor/')).some((m) => m.subject.startsWith('NEEDS_HUMAN')), 20_000);
  await ft.waitTicks(10);
  const needs = (await ft.inbox('mayor/')).filter((m) => m.subject.startsWith('NEEDS_HUMAN'));
  assert.is(needs.length, 1, JSON.stringify(needs));
  assert.match(needs[0]!.subject, /the town ledger was unavailable \(corrupt\)/);
  assert.is(matching(ft.log().slice(mark), /leaving degraded mode/).length, 1, ft.log().slice(mark).join('\n'));
  assert.is(notifications().filter((n) => n.kind === 'NEEDS_HUMAN').length, 1, 'still one notification for the episode');
  assert.not.match(await ft.gtOk(['status']), /DEGRADED/);
  // Healthy again: a killed session is restarted the normal way.
  await killAndSeeRestart('hq-mayor', 'mayor', ft.log().length);
});

test('a deleted ledger: reported in the log and by gt status, not recreated', async () => {
  const mark = ft.log().length;
  for (const f of [db, `${db}-wal`, `${db}-shm`]) rmSync(f, { force: true });
  await ft.waitTicks(2);
  await killAndSeeRestart('hq-mayor', 'mayor', mark);
  assert.not.ok(existsSync(db), 'the restart did not recreate the ledger');

  await waitFor('degraded (missing) in state.json', () => state().degraded?.problem === 'missing', 20_000);
  const status = await ft.gtOk(['status']);
  assert.match(status, /DEGRADED/);
  assert.match(status, /ledger: missing: .*beads\.db.* is missing/);
  await ft.waitTicks(10);

  const lines = ft.log().slice(mark);
  assert.is(matching(lines, /ledger unavailable \(missing\)/).length, 1, lines.join('\n'));
  assert.equal(matching(lines, /tick failed|uncaught|unhandled/), [], lines.join('\n'));
  assert.not.ok(existsSync(db), 'the ledger was not recreated');
  // Nor by a gt command: it says what happened and how to fix it.
  const inbox = await gt(['mail', 'inbox', 'mayor/', '--town', ft.root]);
  assert.is(inbox.code, 1);
  assert.match(inbox.stderr, /beads\.db .*is missing.*restore .*from a backup/);
  assert.not.ok(existsSync(db), 'the ledger was not recreated by gt mail');
  assert.equal(daemonPids(ft.root), [daemon]);
  const text = readFileSync(join(ft.root, 'daemon', 'daemon.log'), 'utf8');
  assert.not.match(text, /uncaught exception/);
});

test.run();

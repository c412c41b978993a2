/**
 * The ledger's side of issue 10 (real SQLite, real processes killed with SIGKILL):
 * - the outbox: a notification mail and its dedup slot are committed together or not at all;
 * - a deleted ledger is refused with a clear error, never recreated empty (moving the whole
 *   .beads/ aside is how a person starts a new one).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openLedger, withLedger } from '../../internal/ledger/index.js';
import { LEDGER_MARKER } from '../../internal/ledger/db.js';
import { LedgerUnavailableError } from '../../internal/errors.js';
import { townLayout, type TownLayout } from '../../internal/town/layout.js';
import { REPO } from '../helpers/town.js';

const dirs: string[] = [];
function freshLayout(): TownLayout {
  const d = mkdtempSync(join(tmpdir(), 'gt-outbox-'));
  dirs.push(d);
  return townLayout(d);
}
test.after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const SLOT = { key: 'mayor/|crash-loop|deacon', recipient: 'mayor/', kind: 'crash-loop', agent: 'deacon', condition: 'since:1', at: 1 };
const MAIL = { from: 'deacon/', to: 'mayor/', subject: 'CRASH_LOOP: deacon died 5 times', body: 'b' };

/**
 * In another process: send the notification, then SIGKILL that process either inside the
 * transaction (before its commit) or right after sendNotification returned.
 */
function sendThenKill(layout: TownLayout, when: 'before-commit' | 'after-commit'): void {
  const ledgerUrl = pathToFileURL(join(REPO, 'internal', 'ledger', 'index.ts')).href;
  const send = `l.sendNotification(${JSON.stringify(MAIL)}, ${JSON.stringify(SLOT)})`;
  const body = when === 'before-commit' ? `l.write(() => { ${send}; process.kill(process.pid, 'SIGKILL'); });` : `${send}; process.kill(process.pid, 'SIGKILL');`;
  const code = `
    const { withLedger } = await import(${JSON.stringify(ledgerUrl)});
    withLedger({ beadsDir: ${JSON.stringify(layout.beadsDir)}, ledgerFile: ${JSON.stringify(layout.ledgerFile)} }, (l) => { ${body} });`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: REPO, encoding: 'utf8' });
  assert.is(r.signal, 'SIGKILL', `the child ended by SIGKILL, not: ${r.status} ${r.stderr}`);
}

test('a notification and its slot are one transaction: killed before the commit, neither; after it, both', () => {
  const layout = freshLayout();
  withLedger(layout, () => undefined);

  sendThenKill(layout, 'before-commit');
  withLedger(layout, (l) => {
    assert.equal(l.inbox('mayor/'), [], 'no mail without its slot');
    assert.equal(l.outboxSlots(), [], 'no slot without its mail');
  });

  sendThenKill(layout, 'after-commit');
  withLedger(layout, (l) => {
    const mails = l.inbox('mayor/');
    assert.is(mails.length, 1);
    const slots = l.outboxSlots();
    assert.is(slots.length, 1);
    assert.equal({ ...slots[0], mail_id: undefined }, { ...SLOT, mail_id: undefined });
    assert.is(slots[0]!.mail_id, mails[0]!.id, 'the slot names the mail it sent');
  });
});

test('a slot is replaced by the next notification of its key, and dropped when its episode ends', () => {
  const layout = freshLayout();
  withLedger(layout, (l) => {
    l.sendNotification(MAIL, SLOT);
    const second = l.sendNotification({ ...MAIL, subject: 'CRASH_LOOP: again' }, { ...SLOT, condition: 'since:2', at: 2 });
    const other = { ...SLOT, key: 'log|x|', recipient: 'mayor/', kind: 'x', agent: '' };
    l.sendNotification(MAIL, other);
    assert.equal(
      l.outboxSlots().map((s) => [s.key, s.condition, s.mail_id]),
      [
        ['log|x|', 'since:1', l.outboxSlots()[0]!.mail_id],
        [SLOT.key, 'since:2', second.id],
      ],
    );
    assert.is(l.retainOutboxSlots(new Set([SLOT.key])), 1);
    assert.equal(l.outboxSlots().map((s) => s.key), [SLOT.key]);
    l.probeWrite();
    assert.equal(l.outboxSlots().map((s) => s.key), [SLOT.key], 'the write probe leaves nothing behind');
  });
});

test('a deleted ledger is refused with a clear error and not recreated; moving .beads aside starts a new one', () => {
  const layout = freshLayout();
  const id = withLedger(layout, (l) => l.createBead({ prefix: 'gt', title: 'precious' }).id);
  assert.ok(existsSync(join(layout.beadsDir, LEDGER_MARKER)), 'the first open marks the town as having a ledger');
  for (const f of [layout.ledgerFile, `${layout.ledgerFile}-wal`, `${layout.ledgerFile}-shm`]) rmSync(f, { force: true });
  try {
    openLedger(layout);
    assert.unreachable('opened a deleted ledger');
  } catch (e) {
    assert.instance(e, LedgerUnavailableError);
    assert.is((e as LedgerUnavailableError).problem, 'missing');
    assert.match((e as LedgerUnavailableError).line, /beads\.db .*is missing.*restore .*from a backup.*move the \.beads directory aside/);
  }
  assert.not.ok(existsSync(layout.ledgerFile), 'not recreated');

  rmSync(layout.beadsDir, { recursive: true });
  withLedger(layout, (l) => assert.is(l.getBead(id), undefined, 'a new, empty ledger'));
  assert.ok(existsSync(join(layout.beadsDir, LEDGER_MARKER)));
});

test('a ledger from before the marker gets one on its next open (and is then protected)', () => {
  const layout = freshLayout();
  withLedger(layout, () => undefined);
  rmSync(join(layout.beadsDir, LEDGER_MARKER));
  withLedger(layout, () => undefined);
  assert.ok(existsSync(join(layout.beadsDir, LEDGER_MARKER)));
});

test.run();

/** Every address form round-trips through gt mail send / inbox / read / delete. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gt, makeTown, type TempTown } from '../helpers/town.js';
import { withLedger } from '../../internal/ledger/index.js';
import { townLayout } from '../../internal/town/layout.js';

let town: TempTown;
const NO_SESSION = { GT_ROLE: '', GT_RIG: '', GT_POLECAT: '', GT_CREW: '' };
const run = (args: string[], env: NodeJS.ProcessEnv = {}) => gt([...args, '--town', town.root], { env: { ...NO_SESSION, ...env } });

test.before(async () => {
  town = await makeTown();
  writeFileSync(
    join(town.root, 'mayor', 'rigs.json'),
    JSON.stringify({ version: 1, rigs: { r1: { git_url: '/nowhere', prefix: 'ra', added_at: new Date().toISOString() } } }),
  );
});
test.after(async () => {
  await town?.cleanup();
});

const FORMS: Array<[string, string]> = [
  ['mayor/', 'mayor/'],
  ['mayor', 'mayor/'],
  ['deacon/', 'deacon/'],
  ['deacon', 'deacon/'],
  ['r1/witness', 'r1/witness'],
  ['r1/refinery', 'r1/refinery'],
  ['r1/polecats/toast', 'r1/polecats/toast'],
  ['r1/nux', 'r1/polecats/nux'],
  ['r1/crew/max', 'r1/crew/max'],
  // The person: mail to a human, read with `gt mail inbox overseer`.
  ['overseer', 'overseer'],
  ['human', 'overseer'],
];

function oneLineError(r: { code: number; stderr: string }, pattern: RegExp): void {
  assert.is.not(r.code, 0);
  const lines = r.stderr.trimEnd().split('\n');
  assert.is(lines.length, 1, `one line: ${r.stderr}`);
  assert.match(lines[0]!, /^gt: /);
  assert.match(lines[0]!, pattern);
}

for (const [form, canonical] of FORMS) {
  test(`address ${form} round-trips (canonical ${canonical})`, async () => {
    const subject = `to ${form} ${Math.random()}`;
    const sent = await run(['mail', 'send', form, '-s', subject, '-m', `hello ${form}`, '--json']);
    assert.is(sent.code, 0, sent.stderr);
    const msg = JSON.parse(sent.stdout);
    assert.is(msg.to, canonical);
    assert.is(msg.from, 'overseer');
    // The inbox answers to the form as typed and to the canonical form.
    for (const who of [form, canonical]) {
      const inbox = await run(['mail', 'inbox', who, '--json', '--unread']);
      assert.is(inbox.code, 0, inbox.stderr);
      const ids = (JSON.parse(inbox.stdout) as Array<{ id: string }>).map((m) => m.id);
      assert.ok(ids.includes(msg.id), `${who}: ${inbox.stdout}`);
    }
    const read = await run(['mail', 'read', msg.id, '--json']);
    assert.is(read.code, 0, read.stderr);
    const r = JSON.parse(read.stdout);
    assert.is(r.subject, subject);
    assert.is(r.body, `hello ${form}`);
    assert.is(r.to, canonical);
    assert.is(r.read, true);
    const unread = await run(['mail', 'inbox', canonical, '--json', '--unread']);
    assert.not.ok((JSON.parse(unread.stdout) as Array<{ id: string }>).some((m) => m.id === msg.id), 'read mail is no longer unread');
    const del = await run(['mail', 'delete', msg.id]);
    assert.is(del.code, 0, del.stderr);
    assert.match(del.stdout, `deleted ${msg.id}`);
    oneLineError(await run(['mail', 'read', msg.id]), /no message/);
  });
}

test('human output: inbox table and read view', async () => {
  const sent = await run(['mail', 'send', 'r1/witness', '-s', 'status report', '-m', 'line one\nline two']);
  assert.is(sent.code, 0, sent.stderr);
  const id = /sent (\S+) to r1\/witness/.exec(sent.stdout)?.[1];
  assert.ok(id, sent.stdout);
  const inbox = await run(['mail', 'inbox', 'r1/witness']);
  assert.match(inbox.stdout, /^r1\/witness: 1 message \(1 unread\)\n\*  \S+  \d{4}-\d\d-\d\d \d\d:\d\d  overseer  status report\n$/);
  const read = await run(['mail', 'read', id!]);
  assert.match(read.stdout, /subject:  status report\n\nline one\nline two\n/);
});

test('unknown address forms and unknown rigs are one-line errors naming the valid forms', async () => {
  oneLineError(await run(['mail', 'send', 'r1/dogs/x', '-s', 's', '-m', 'b']), /valid forms: mayor\/, deacon\/, <rig>\/witness/);
  oneLineError(await run(['mail', 'send', 'nobody', '-s', 's', '-m', 'b']), /invalid address "nobody"/);
  oneLineError(await run(['mail', 'send', 'r2/witness', '-s', 's', '-m', 'b']), /no rig "r2".*known rigs: r1/);
  oneLineError(await run(['mail', 'inbox', 'r1/crew']), /missing the crew member name/);
  oneLineError(await run(['mail', 'send', 'mayor', '-m', 'b']), /missing -s SUBJECT/);
  oneLineError(await run(['mail', 'send', 'mayor', '-s', 's', '--from', 'somebody']), /invalid address "somebody"/);
});

test('inside a session: sender and inbox come from GT_ROLE/GT_RIG/GT_POLECAT; heartbeat refreshed', async () => {
  const layout = townLayout(town.root);
  withLedger(layout, (l) => {
    const work = l.createBead({ prefix: 'ra', title: 'job' });
    l.trySetHook({ address: 'r1/toast', prefix: 'ra', session: 'ra-toast', agent_state: 'working' }, work.id);
  });
  const before = withLedger(layout, (l) => l.getAgentBead('ra-r1-polecat-toast')!);
  const toast = { GT_ROLE: 'polecat', GT_RIG: 'r1', GT_POLECAT: 'toast' };
  const sent = await run(['mail', 'send', 'r1/witness', '-s', 'from toast', '--json'], toast);
  assert.is(sent.code, 0, sent.stderr);
  assert.is(JSON.parse(sent.stdout).from, 'r1/polecats/toast');

  const hbFile = layout.heartbeatFile('ra-toast');
  assert.ok(existsSync(hbFile), 'heartbeat file written');
  const hb = JSON.parse(readFileSync(hbFile, 'utf8'));
  assert.is(hb.state, 'working');
  assert.is(hb.bead, before.hook_bead);
  const after = withLedger(layout, (l) => l.getAgentBead('ra-r1-polecat-toast')!);
  assert.ok(after.updated_at > before.updated_at, 'agent bead updated_at refreshed');

  // The witness reads its own inbox without naming it, and replies to the short form.
  const witness = { GT_ROLE: 'witness', GT_RIG: 'r1' };
  const inbox = await run(['mail', 'inbox', '--json'], witness);
  assert.is(inbox.code, 0, inbox.stderr);
  assert.ok((JSON.parse(inbox.stdout) as Array<{ subject: string }>).some((m) => m.subject === 'from toast'));
  const reply = await run(['mail', 'send', 'r1/toast', '-s', 'ack', '--json'], witness);
  assert.is(JSON.parse(reply.stdout).from, 'r1/witness');
  const toastInbox = await run(['mail', 'inbox', '--json'], toast);
  assert.equal((JSON.parse(toastInbox.stdout) as Array<{ subject: string }>).map((m) => m.subject), ['ack']);
  // --from wins over the session identity.
  const as = await run(['mail', 'send', 'mayor', '-s', 'x', '--from', 'deacon', '--json'], toast);
  assert.is(JSON.parse(as.stdout).from, 'deacon/');
  // Outside a session, inbox needs an address.
  oneLineError(await run(['mail', 'inbox']), /whose inbox/);
});

test.run();

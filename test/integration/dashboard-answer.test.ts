/**
 * The page's questions against a real ledger: an open question (as `gt ask` records it) is in the
 * snapshot's Attention, named by the asking agent; the `answer` action runs the ledger's answer,
 * as `gt answer` does, with the same checks (one of the options, still open, known id) and the
 * same record (answered by the person); an answered question leaves the snapshot.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runAction } from '../../internal/dashboard/actions.js';
import { readSnapshot, type QuestionItem } from '../../internal/dashboard/views.js';
import { GtError } from '../../internal/errors.js';
import { withLedger } from '../../internal/ledger/index.js';
import { townLayout } from '../../internal/town/layout.js';
import { gt, makeTown, type TempTown } from '../helpers/town.js';

let town: TempTown;
const daemon = { running: false, pid: null };

const ask = (text: string, options?: string[]) =>
  withLedger(townLayout(town.root), (l) => l.askQuestion({ from: 'mayor/', text, ...(options ? { options } : {}), timeoutMs: 600_000, session: 'hq-mayor' }));

async function refused(body: unknown): Promise<GtError> {
  try {
    await runAction(town.root, 'answer', body);
  } catch (e) {
    if (e instanceof GtError) return e;
    throw e;
  }
  throw new Error(`answer ${JSON.stringify(body)} was not refused`);
}

test.before(async () => {
  town = await makeTown({ agent: 'sim' });
});
test.after(async () => {
  await town.cleanup();
});

test('an open question is in the snapshot, first, named by the asking agent', async () => {
  const q = ask('Deploy to production now?\nThe tests passed.', ['yes', 'no']);
  const s = await readSnapshot(town.root, daemon);
  assert.equal(s.errors, []);
  const item = s.attention[0] as QuestionItem;
  assert.equal(item, { kind: 'question', id: q.id, from: 'mayor/', text: 'Deploy to production now?\nThe tests passed.', options: ['yes', 'no'], asked_at: q.created_at, expires_at: q.expires_at, session: 'hq-mayor', agent: 'mayor' });
});

test('answer: bad input is refused with the field or the options named, and nothing is answered', async () => {
  const [open] = JSON.parse((await gt(['questions', '--json', '--town', town.root])).stdout) as Array<{ id: string }>;
  const id = open!.id;
  const notOption = await refused({ id, text: 'maybe' });
  assert.is(notOption.code, 'INVALID_INPUT');
  assert.match(notOption.line, /"maybe" is not one of the options of msg-/);
  assert.match(String(notOption.hint), /answer one of: yes, no/);
  assert.match((await refused({ id, text: '   ' })).line, /answer: text: is empty/);
  assert.match((await refused({ id })).line, /answer: text: /);
  assert.match((await refused({ id, text: 'yes', by: 'mayor' })).line, /answer: .*by/);
  assert.match((await refused({ id, text: 'x'.repeat(4001) })).line, /answer: text: /);
  assert.is((await refused({ id: 'msg-nope', text: 'yes' })).code, 'NOT_FOUND');
  const still = JSON.parse((await gt(['questions', '--json', '--town', town.root])).stdout) as unknown[];
  assert.is(still.length, 1, 'still open');
});

test('answer: as gt answer does (the option as spelled, by the person); the question leaves the snapshot; twice is a conflict', async () => {
  const [open] = JSON.parse((await gt(['questions', '--json', '--town', town.root])).stdout) as Array<{ id: string }>;
  const id = open!.id;
  const r = await runAction(town.root, 'answer', { id, text: ' YES ' });
  assert.is(r.ok, true);
  assert.is(r.message, `answered ${id} (mayor/): yes`);
  const q = r.result as { state: string; answer: string; answered_by: string };
  assert.is(q.state, 'answered');
  assert.is(q.answer, 'yes');
  assert.is(q.answered_by, 'overseer');
  assert.equal((await readSnapshot(town.root, daemon)).attention, []);
  const again = await refused({ id, text: 'no' });
  assert.is(again.code, 'CONFLICT');
  assert.match(again.line, /already answered by overseer/);
  // The CLI sees the same record.
  const cli = await gt(['answer', id, 'no', '--town', town.root]);
  assert.is(cli.code, 1);
  assert.match(cli.stderr, /already answered by overseer/);
});

test('a question without options takes free text', async () => {
  const q = ask('Which branch should I base on?');
  const r = await runAction(town.root, 'answer', { id: q.id, text: 'release/2.x, not main' });
  assert.is((r.result as { answer: string }).answer, 'release/2.x, not main');
});

test.run();

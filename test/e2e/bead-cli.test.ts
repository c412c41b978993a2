/** gt bead create/show/list/update/close through the built CLI, and its errors. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gt, makeTown, type TempTown } from '../helpers/town.js';

let town: TempTown;
const run = (args: string[]) => gt([...args, '--town', town.root], { env: { GT_ROLE: '' } });
const rigsFile = () => join(town.root, 'mayor', 'rigs.json');
const goodRigs = () =>
  JSON.stringify({
    version: 1,
    rigs: {
      r1: { git_url: '/nowhere', prefix: 'ra', added_at: new Date().toISOString() },
      r2: { git_url: '/nowhere2', prefix: 'rb', added_at: new Date().toISOString() },
    },
  });

test.before(async () => {
  town = await makeTown();
  writeFileSync(rigsFile(), goodRigs());
});
test.after(async () => {
  await town?.cleanup();
});

function oneLineError(r: { code: number; stderr: string; stdout: string }, pattern: RegExp, code = 1): void {
  assert.is(r.code, code, r.stderr);
  const lines = r.stderr.trimEnd().split('\n');
  assert.is(lines.length, 1, `one line, no stack trace: ${r.stderr}`);
  assert.match(lines[0]!, /^gt: /);
  assert.match(lines[0]!, pattern);
}

test('create with --rig uses the rig prefix; show, list, update, close', async () => {
  const c = await run(['bead', 'create', '--rig', 'r1', '--title', 'fix the thing', '--description', 'details', '--priority', '1', '--json']);
  assert.is(c.code, 0, c.stderr);
  const bead = JSON.parse(c.stdout);
  assert.match(bead.id, /^ra-[0-9a-z]{5}$/);
  assert.is(bead.fields.rig, 'r1');
  assert.is(bead.priority, 1);
  const other = await run(['bead', 'create', '--rig', 'r2', '-t', 'elsewhere']);
  assert.match(other.stdout, /^rb-[0-9a-z]{5}\n$/, 'only the id, for gt sling $(gt bead create ...)');
  const pre = await run(['bead', 'create', '--prefix', 'zz', '-t', 'before rigs', '--json']);
  assert.match(JSON.parse(pre.stdout).id, /^zz-/);

  const show = await run(['bead', 'show', bead.id, '--json']);
  assert.equal(JSON.parse(show.stdout), bead);
  const human = await run(['bead', 'show', bead.id]);
  assert.match(human.stdout, new RegExp(`^${bead.id}  fix the thing\\n  type      task\\n  status    open\\n`));
  assert.match(human.stdout, /\n  details\n$/);

  const list = await run(['bead', 'list', '--rig', 'r1', '--json']);
  assert.equal((JSON.parse(list.stdout) as Array<{ id: string }>).map((b) => b.id), [bead.id]);
  const all = await run(['bead', 'list']);
  assert.match(all.stdout, /^ID\s+STATUS\s+PRI\s+ASSIGNEE\s+TITLE\n/);
  assert.is(all.stdout.trimEnd().split('\n').length, 4);

  const up = await run(['bead', 'update', bead.id, '--status', 'in_progress', '--assignee', 'r1/toast', '--title', 'fix it', '--json']);
  assert.is(up.code, 0, up.stderr);
  const u = JSON.parse(up.stdout);
  assert.is(u.status, 'in_progress');
  assert.is(u.assignee, 'r1/polecats/toast', 'assignee addresses are stored canonical');
  const byAssignee = await run(['bead', 'list', '--assignee', 'r1/polecats/toast', '--json']);
  assert.equal((JSON.parse(byAssignee.stdout) as Array<{ id: string }>).map((b) => b.id), [bead.id]);
  const byStatus = await run(['bead', 'list', '--status', 'open', '--json']);
  assert.not.ok((JSON.parse(byStatus.stdout) as Array<{ id: string }>).some((b) => b.id === bead.id));

  const close = await run(['bead', 'close', bead.id, '--reason', 'merged']);
  assert.is(close.code, 0, close.stderr);
  assert.match(close.stdout, `closed ${bead.id}`);
  const open = await run(['bead', 'list', '--rig', 'r1', '--json']);
  assert.equal(JSON.parse(open.stdout), [], 'closed beads are hidden by default');
  const closed = await run(['bead', 'list', '--rig', 'r1', '--status', 'all', '--json']);
  assert.is(JSON.parse(closed.stdout)[0].fields.close_reason, 'merged');
  const messages = await run(['bead', 'list', '--type', 'message', '--json']);
  assert.equal(JSON.parse(messages.stdout), []);
});

test('bad input is a one-line error with a non-zero exit', async () => {
  oneLineError(await run(['bead', 'create', '--rig', 'nope', '-t', 'x']), /no rig "nope".*known rigs: r1, r2/);
  oneLineError(await run(['bead', 'create', '--rig', 'r1', '-t', '   ']), /title: must not be empty/);
  oneLineError(await run(['bead', 'create', '--rig', 'r1', '-t', 'x'.repeat(300)]), /title: at most 200/);
  oneLineError(await run(['bead', 'create', '--rig', 'r1', '-t', 'x', '-p', '7']), /invalid priority "7"/);
  oneLineError(await run(['bead', 'create', '-t', 'x']), /which rig/, 2);
  oneLineError(await run(['bead', 'create', '--prefix', 'Bad!', '-t', 'x']), /invalid prefix/);
  oneLineError(await run(['bead', 'show', 'ra-zzzzz']), /no bead "ra-zzzzz"/);
  oneLineError(await run(['bead', 'update', 'ra-zzzzz', '--title', 'x']), /no bead/);
  oneLineError(await run(['bead', 'update', 'ra-zzzzz']), /nothing to update/, 2);
  oneLineError(await run(['bead', 'update', 'ra-zzzzz', '--status', 'done']), /unknown status "done"/);
  oneLineError(await run(['bead', 'list', '--type', 'bogus']), /unknown type "bogus"/);
  const json = await run(['bead', 'show', 'ra-zzzzz', '--json']);
  assert.is(JSON.parse(json.stdout).error.code, 'NOT_FOUND');
});

test('a corrupted or foreign mayor/rigs.json gives a clear one-line error', async () => {
  try {
    // Truncated mid-write (what a crash with a non-atomic writer leaves).
    writeFileSync(rigsFile(), '{"version":1,"rigs":{"r1":{"git_url"');
    oneLineError(await run(['bead', 'create', '--rig', 'r1', '-t', 'x']), /mayor\/rigs\.json: not valid JSON/);
    oneLineError(await run(['mail', 'send', 'r1/witness', '-s', 'x']), /mayor\/rigs\.json: not valid JSON/);
    // Valid JSON of some other tool.
    writeFileSync(rigsFile(), JSON.stringify({ projects: [{ name: 'r1' }] }));
    oneLineError(await run(['bead', 'create', '--rig', 'r1', '-t', 'x']), /mayor\/rigs\.json: /);
    // Right shape, wrong field.
    writeFileSync(rigsFile(), JSON.stringify({ version: 1, rigs: { r1: { git_url: '/x', prefix: 'UPPER', added_at: new Date().toISOString() } } }));
    oneLineError(await run(['bead', 'list', '--rig', 'r1']), /mayor\/rigs\.json: rigs\.r1\.prefix: expected 1-10 lowercase/);
    // Commands that do not need rigs still work.
    const mail = await run(['mail', 'send', 'mayor/', '-s', 'still works']);
    assert.is(mail.code, 0, mail.stderr);
  } finally {
    writeFileSync(rigsFile(), goodRigs());
  }
});

test('a corrupted ledger gives a clear one-line error; a missing .beads is created on demand', async () => {
  const beads = join(town.root, '.beads');
  rmSync(beads, { recursive: true, force: true });
  const list = await run(['bead', 'list', '--json']);
  assert.is(list.code, 0, list.stderr);
  assert.equal(JSON.parse(list.stdout), []);
  const inbox = await run(['mail', 'inbox', 'mayor', '--json']);
  assert.equal(JSON.parse(inbox.stdout), []);

  rmSync(beads, { recursive: true, force: true });
  mkdirSync(beads);
  writeFileSync(join(beads, 'beads.db'), 'PK\u0003\u0004 this is a zip file, or anything but SQLite '.repeat(40));
  for (const args of [['bead', 'list'], ['bead', 'create', '--rig', 'r1', '-t', 'x'], ['mail', 'inbox', 'mayor'], ['mail', 'send', 'mayor', '-s', 'x']]) {
    oneLineError(await run(args), /\.beads\/beads\.db .*is not a valid SQLite database/);
  }
  const json = await run(['mail', 'inbox', 'mayor', '--json']);
  assert.is(JSON.parse(json.stdout).error.code, 'IO');
  rmSync(beads, { recursive: true, force: true });
});

test.run();

/**
 * 200 `gt mail send` processes at once against a town whose ledger does not exist yet:
 * every message lands exactly once and no process fails (no "database is locked").
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { gt, makeTown, type TempTown } from '../helpers/town.js';

const N = 200;
let town: TempTown;

test.before(async () => {
  town = await makeTown();
});
test.after(async () => {
  await town?.cleanup();
});

test(`${N} concurrent gt mail send: all in the inbox, none duplicated, no error`, async () => {
  assert.not.ok(existsSync(join(town.root, '.beads', 'beads.db')), 'starts without a ledger: the first opens race too');
  // All spawned at once: they overlap for real (each needs ~100 ms of CPU just to start node).
  let inFlight = 0;
  let maxInFlight = 0;
  const runs = await Promise.all(
    Array.from({ length: N }, async (_, i) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        return await gt(['mail', 'send', 'deacon/', '-s', `msg ${i}`, '-m', `body ${i}`, '--from', 'r1/witness', '--json', '--town', town.root], {
          timeoutMs: 300_000,
          env: { GT_ROLE: '' },
        });
      } finally {
        inFlight--;
      }
    }),
  );
  assert.is(maxInFlight, N);
  const failures = runs.map((r, i) => ({ ...r, i })).filter((r) => r.code !== 0 || r.stderr !== '');
  assert.equal(failures.slice(0, 3).map((f) => `#${f.i} exit ${f.code}: ${f.stderr}`), [], `${failures.length} sends failed`);
  const sentIds = runs.map((r) => JSON.parse(r.stdout).id as string);
  assert.is(new Set(sentIds).size, N, 'every send got its own id');

  const inbox = await gt(['mail', 'inbox', 'deacon', '--json', '--town', town.root]);
  assert.is(inbox.code, 0, inbox.stderr);
  const msgs = JSON.parse(inbox.stdout) as Array<{ id: string; subject: string; body: string; from: string; to: string }>;
  assert.is(msgs.length, N, 'all in the inbox');
  const subjects = msgs.map((m) => m.subject);
  assert.is(new Set(subjects).size, N, 'none duplicated');
  for (let i = 0; i < N; i++) assert.ok(subjects.includes(`msg ${i}`), `msg ${i} missing`);
  assert.equal([...msgs.map((m) => m.id)].sort(), [...sentIds].sort());
  for (const m of msgs) {
    assert.is(m.body, `body ${m.subject.slice(4)}`);
    assert.is(m.from, 'r1/witness');
    assert.is(m.to, 'deacon/');
  }
});

test.run();

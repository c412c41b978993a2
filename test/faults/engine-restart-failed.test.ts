/**
 * Fault 6: a polecat whose restart cannot work (its worktree was removed) produces exactly one
 * CRASHED_POLECAT mail to its witness, and one ORPHANED_WORK (it had hooked work), however many
 * ticks see it; it is never restarted into a missing directory.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { faultTown, matching, type FaultTown } from '../helpers/engine-faults.js';
import { waitFor } from '../helpers/town.js';

let ft: FaultTown;

test.before(async () => {
  ft = await faultTown({
    settings: { daemon: { recovery_interval: '250ms' }, restart: { initial_backoff: '100ms', max_backoff: '200ms' } },
  });
  await ft.addRig('wreck', 'wk');
});
test.after(async () => {
  await ft.teardown();
});

test('worktree removed, session killed: one CRASHED_POLECAT and one ORPHANED_WORK to wreck/witness over many ticks; no restart', async () => {
  const bead = JSON.parse(await ft.gtOk(['bead', 'create', '--rig', 'wreck', '--title', 'Doomed', '--json'])).id as string;
  const sl = JSON.parse(await ft.gtOk(['sling', bead, 'wreck', '--json']));
  const name = sl.polecat as string;
  const session = sl.session as string;
  await ft.gtOk(['daemon', 'start']);
  await waitFor('all sessions up', () => ['hq-deacon', 'hq-mayor', 'wk-refinery', 'wk-witness', session].every((s) => ft.sessions().includes(s)), 20_000);
  await ft.waitTicks(2);

  // The fault: the worktree goes first (so no tick can restart the polecat into it in between),
  // then the session dies.
  const worktree = join(ft.root, 'wreck', 'polecats', name);
  rmSync(worktree, { recursive: true, force: true });
  ft.tmux('kill-session', '-t', `=${session}`);
  const mark = ft.log().length;

  const crashed = `CRASHED_POLECAT: wreck/${name} restart failed`;
  await waitFor('the CRASHED_POLECAT mail', async () => (await ft.inbox('wreck/witness')).some((m) => m.subject === crashed), 15_000);
  const ticksBefore = ft.tickCount();
  await ft.waitTicks(15);
  assert.ok(ft.tickCount() - ticksBefore >= 15);

  const mail = await ft.inbox('wreck/witness');
  const crashMails = mail.filter((m) => m.subject.startsWith('CRASHED_POLECAT:'));
  assert.equal(crashMails.map((m) => m.subject), [crashed], 'exactly one CRASHED_POLECAT');
  const body = crashMails[0]!.body;
  for (const want of [`agent: wreck/polecats/${name}`, `hook: ${bead}`, `session: ${session}`, 'error: working directory', 'time: ']) {
    assert.ok(body.includes(want), `body has "${want}":\n${body}`);
  }
  assert.equal(crashMails[0]!.from, 'deacon/');
  const orphaned = mail.filter((m) => m.subject.startsWith('ORPHANED_WORK:'));
  assert.is(orphaned.length, 1, 'exactly one ORPHANED_WORK');
  assert.match(orphaned[0]!.subject, `ORPHANED_WORK: wreck/polecats/${name}`);
  assert.ok(orphaned[0]!.body.includes(`hook: ${bead}`));
  // Nothing else for the witness (no GUPP, no CRASH_LOOP: a start that cannot work is not tried).
  assert.is(mail.length, 2, mail.map((m) => m.subject).join('\n'));

  const after = ft.log().slice(mark);
  assert.is(matching(after, /mail to wreck\/witness: CRASHED_POLECAT/).length, 1, after.join('\n'));
  assert.is(matching(after, /mail to wreck\/witness: ORPHANED_WORK/).length, 1);
  assert.equal(matching(after, new RegExp(`(started|restarted) wreck/polecats/${name}\\b`)), [], 'never restarted');
  assert.not.ok(ft.sessions().includes(session));
  assert.not.ok(existsSync(worktree), 'the daemon did not recreate the worktree directory');
  // The rest of the town is untouched.
  assert.ok(['hq-deacon', 'hq-mayor', 'wk-refinery', 'wk-witness'].every((s) => ft.sessions().includes(s)));
});

test.run();

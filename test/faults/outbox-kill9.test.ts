/**
 * Issue 10, finding 7: `kill -9` of the daemon right after it sent an alert mail. The mail and its
 * dedup slot are one ledger transaction (the outbox), so the next daemon knows it was sent: exactly
 * one CRASH_LOOP after the restart (before the outbox, the slot was saved at the tick's end and
 * the next daemon sent it again).
 *
 * The kill lands at the dangerous instant deterministically through the documented test hook
 * GT_TEST_KILL_AFTER_MAIL=<subject prefix>: the daemon SIGKILLs itself right after that mail's
 * commit.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { faultTown, matching, type FaultTown } from '../helpers/engine-faults.js';
import { daemonPids, waitFor } from '../helpers/town.js';

let ft: FaultTown;
const crashLoopMails = async () => (await ft.inbox('mayor/')).filter((m) => m.subject.startsWith('CRASH_LOOP: mayor'));
const pidAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test.before(async () => {
  ft = await faultTown({
    settings: {
      daemon: { recovery_interval: '250ms' },
      // The mayor exits at once on every start: a crash loop after 3 short runs, one CRASH_LOOP.
      agents: { crashy: { command: 'sh', args: ['-c', 'exit 3'], process_names: ['sh'] } },
      roles: { mayor: { agent: 'crashy' } },
      restart: { initial_backoff: '100ms', multiplier: 2, max_backoff: '1s', crash_loop_count: 3, crash_loop_window: '10m', stable_after: '10m' },
    },
  });
});
test.after(async () => {
  await ft.teardown();
});

test('kill -9 right after the CRASH_LOOP mail: exactly one CRASH_LOOP after the restart', async () => {
  // No keeper: the next daemon is the one this test starts (daemon-keeper.test.ts covers the revival).
  await ft.gtOk(['daemon', 'start'], { env: { ...process.env, GT_TEST_KILL_AFTER_MAIL: 'CRASH_LOOP', GT_DAEMON_KEEPER: '0' } });
  const [first] = daemonPids(ft.root) as [number];
  assert.ok(first);
  await waitFor('the daemon killed itself after the CRASH_LOOP mail', () => !pidAlive(first), 60_000);
  const sentLine = matching(ft.log(), /mail to mayor\/: CRASH_LOOP: mayor/);
  assert.is(sentLine.length, 1, ft.log().join('\n'));
  // Nothing after the mail line: it died at that instant (no tick end, no state saved).
  assert.equal(matching(ft.log().slice(ft.log().indexOf(sentLine[0]!) + 1), /\S/).filter((l) => !/fast path|DEBUG/.test(l)), []);
  assert.is((await crashLoopMails()).length, 1);

  // A new daemon (without the hook) picks up where it died.
  await ft.gtOk(['daemon', 'start']);
  await waitFor('the new daemon ticks', () => daemonPids(ft.root).length === 1 && daemonPids(ft.root)[0] !== first, 20_000);
  await ft.waitTicks(12, 60_000);
  const mails = await crashLoopMails();
  assert.is(mails.length, 1, JSON.stringify(mails.map((m) => m.subject)));
  assert.is(matching(ft.log(), /mail to mayor\/: CRASH_LOOP: mayor/).length, 1, ft.log().join('\n'));
  assert.equal(matching(ft.log(), /tick failed|uncaught|unhandled/), []);
});

test.run();

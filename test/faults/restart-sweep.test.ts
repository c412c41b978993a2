/**
 * Issue 10: a crashed agent's setsid child does not survive the restart of its session. The
 * engine's one start path (engine/start-agent.ts) ends what the session's last run left behind
 * (processes still marked with its GT_SESSION) before it starts the session again.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { faultTown, matching, type FaultTown } from '../helpers/engine-faults.js';
import { readJson, waitFor } from '../helpers/town.js';
import { pidRunning } from '../../internal/fsx/proc.js';

let ft: FaultTown;
const childOf = (session: string): number | undefined => {
  try {
    return readJson(join(ft.root, '.runtime', 'heartbeats', `${session}.json`)).child_pid as number | undefined;
  } catch {
    return undefined;
  }
};

test.before(async () => {
  ft = await faultTown({ settings: { daemon: { recovery_interval: '300ms' } }, env: { GT_SIM_SETSID_CHILD: '1' } });
});
test.after(async () => {
  await ft.teardown();
});

test('the mayor crashes leaving a setsid child: the child is ended before the mayor starts again', async () => {
  await ft.gtOk(['daemon', 'start']);
  const orphan = await waitFor('the mayor reports its setsid child', () => childOf('hq-mayor'), 30_000);
  assert.ok(pidRunning(orphan));
  // Its start is over (logged after the health window): a kill now is a crash of a running agent.
  await waitFor('the first start logged', () => matching(ft.log(), /\bstarted mayor\b/).length > 0, 30_000);
  const mark = ft.log().length;
  // A crash: the session goes, its setsid child (its own session, SIGHUP ignored) stays.
  ft.tmux('kill-session', '-t', '=hq-mayor');
  const next = await waitFor('the mayor running again with a new child', () => {
    const c = childOf('hq-mayor');
    return c !== undefined && c !== orphan && ft.sessions().includes('hq-mayor') ? c : undefined;
  }, 60_000, 100);
  assert.not.ok(pidRunning(orphan), `the old run's setsid child ${orphan} was ended`);
  assert.ok(pidRunning(next), 'the new run and its child live');
  const after = await waitFor('the start logged', () => {
    const lines = ft.log().slice(mark);
    return lines.some((l) => /\b(re)?started mayor\b/.test(l)) ? lines : undefined;
  }, 30_000);
  const swept = matching(after, new RegExp(`mayor: ended 1 leftover process of hq-mayor's last run before starting it \\(pid ${orphan}\\)`));
  assert.is(swept.length, 1, after.join('\n'));
  const start = after.findIndex((l) => /\b(re)?started mayor\b/.test(l));
  assert.ok(start > after.indexOf(swept[0]!), `swept before the start:\n${after.join('\n')}`);
});

test.run();

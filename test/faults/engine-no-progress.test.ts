/**
 * Issue 9, 5: restarts without progress. A polecat that is stuck from every start (a sim that
 * reports `starting` once and then hangs, as a real CLI at a screen only a person can answer
 * would) is marked dead after dead_after and restarted; after restart.max_without_progress (2
 * here) restarts brought no progress, the daemon stops restarting it, sends one NO_PROGRESS mail
 * to its witness with the last lines of its screen, leaves the session for a person, and shows it
 * in `gt agents --json`. `gt daemon clear-backoff` resumes the restarts.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GT_BIN, waitFor } from '../helpers/town.js';
import { faultTown, matching, type FaultTown } from '../helpers/engine-faults.js';

let ft: FaultTown;
const sim = (env: Record<string, string>) => ({ command: process.execPath, args: [GT_BIN, 'sim'], process_names: ['gt-sim'], env });

test.before(async () => {
  ft = await faultTown({
    settings: {
      daemon: { recovery_interval: '1s' },
      agents_health: { dead_after: '3s', gupp_after: '6s', spawning_grace: '1s', startup_grace: '50ms' },
      restart: { min_uptime: '1s', max_without_progress: 2 },
      agents: { stucksim: sim({ GT_SIM_HANG: '1' }) },
      roles: { mayor: { enabled: false } },
    },
  });
  ft.town.daemonSettings({ env: { GT_SIM_HEARTBEAT_INTERVAL: '500ms' }, patrols: { witness: { enabled: false }, refinery: { enabled: false } } });
  await ft.addRig('stuck', 'su', '--agent', 'stucksim');
});

test.after(async () => {
  await ft.teardown();
});

type AgentJson = { identity: string; liveness: string; no_progress: { since: string; runs: number } | null };

test('stuck from every start: two restarts, then none; one NO_PROGRESS mail with its screen; gt agents shows it; clear-backoff resumes', async () => {
  await ft.gtOk(['up']);
  const bead = JSON.parse(await ft.gtOk(['bead', 'create', '--rig', 'stuck', '--title', 'Never gets going', '--json'])).id as string;
  const p = JSON.parse(await ft.gtOk(['sling', bead, 'stuck', '--json'])) as { identity: string; session: string };
  const id = p.identity;
  const esc = id.replace(/\//g, '\\/');

  const mail = await waitFor('the NO_PROGRESS mail', async () => {
    const m = (await ft.inbox('stuck/witness')).filter((x) => x.subject.startsWith(`NO_PROGRESS: ${id}`));
    return m.length ? m : undefined;
  }, 90_000, 250).catch((e) => {
    throw new Error(`${e}\n${matching(ft.log(), /stuck|NO_PROGRESS/).join('\n')}`);
  });
  assert.match(mail[0]!.body, `hook: ${bead}`);
  assert.match(mail[0]!.body, 'runs: 3');
  // The last lines of its screen: what the stuck agent shows.
  assert.match(mail[0]!.body, /last screen lines \(su-\w+\):\n[\s\S]*gt-sim: hanging \(GT_SIM_HANG\)/);
  assert.equal(matching(ft.log(), new RegExp(`^.*restarted ${esc} `)).length, 2, matching(ft.log(), /restart/).join('\n'));

  const row = (JSON.parse(await ft.gtOk(['agents', '--json'])) as AgentJson[]).find((a) => a.identity === id)!;
  assert.is(row.no_progress?.runs, 3);
  assert.is(row.liveness, 'alive', 'the stuck session is left for a person to look at');
  assert.match(await ft.gtOk(['agents']), /no progress \(3 runs\)/);

  // Many ticks and several dead_after later: still two restarts and one mail.
  await ft.waitTicks(8, 60_000);
  assert.equal(matching(ft.log(), new RegExp(`^.*restarted ${esc} `)).length, 2);
  assert.is((await ft.inbox('stuck/witness')).filter((x) => x.subject.startsWith('NO_PROGRESS')).length, 1);
  assert.is(matching(ft.log(), /NO_PROGRESS: .*not restarting it until gt daemon clear-backoff/).length, 1);

  // A person has looked and clears it: restarted again.
  const cleared = await ft.gtOk(['daemon', 'clear-backoff', id]);
  assert.match(cleared, /no progress in 3 runs since/);
  await waitFor('a restart after clear-backoff', () => matching(ft.log(), new RegExp(`^.*restarted ${esc} `)).length === 3, 30_000, 200);
  const after = (JSON.parse(await ft.gtOk(['agents', '--json'])) as AgentJson[]).find((a) => a.identity === id)!;
  assert.is(after.no_progress, null);
});

test.run();

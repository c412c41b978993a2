/**
 * Issue 8: GUPP is reachable. With every agents_health threshold scaled down by one factor (1/100,
 * so their ratios stay the defaults: dead_after 15m -> 9s < gupp_after 30m -> 18s), a polecat idle
 * at its prompt with work on its hook gets exactly one GUPP_VIOLATION, and a polecat working with
 * no progress is marked dead. Each sim says which it is in its heartbeat file, as real agents do
 * through their hooks: `idle` (GT_SIM_WORK=0) or `working` and then silent (GT_SIM_WORK=busy with
 * GT_SIM_HANG). The 3m interval stays: only the deadlines decide() reports wake the daemon.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GT_BIN, REPO, waitFor } from '../helpers/town.js';
import { faultTown, matching, type FaultTown } from '../helpers/engine-faults.js';

let ft: FaultTown;
let asker: ChildProcess | undefined;
const sim = (env: Record<string, string>) => ({ command: process.execPath, args: [GT_BIN, 'sim'], process_names: ['gt-sim'], env });
const heartbeat = (session: string) => JSON.parse(readFileSync(join(ft.root, '.runtime', 'heartbeats', `${session}.json`), 'utf8')) as { state: string; timestamp: string };

test.before(async () => {
  ft = await faultTown({
    settings: {
      agents_health: { dead_after: '9s', gupp_after: '18s', spawning_grace: '3s', startup_grace: '50ms' },
      agents: { idlesim: sim({ GT_SIM_WORK: '0' }), stallsim: sim({ GT_SIM_WORK: 'busy', GT_SIM_HANG: '2s' }) },
      roles: { mayor: { enabled: false } },
    },
  });
  ft.town.daemonSettings({ env: { GT_SIM_HEARTBEAT_INTERVAL: '500ms' }, patrols: { witness: { enabled: false }, refinery: { enabled: false } } });
  await ft.addRig('calm', 'ca', '--agent', 'idlesim');
  await ft.addRig('stall', 'st', '--agent', 'stallsim');
  await ft.addRig('asks', 'as', '--agent', 'idlesim');
});

test.after(async () => {
  asker?.kill('SIGTERM');
  await ft.teardown();
});

test('idle with hooked work: exactly one GUPP_VIOLATION; working without progress: marked dead (never a GUPP); idle with its own question open: blocked, no GUPP', async () => {
  await ft.gtOk(['up']);
  const calm = JSON.parse(await ft.gtOk(['bead', 'create', '--rig', 'calm', '--title', 'Waits at the prompt', '--json'])).id as string;
  const stall = JSON.parse(await ft.gtOk(['bead', 'create', '--rig', 'stall', '--title', 'Hangs mid-turn', '--json'])).id as string;
  const idle = JSON.parse(await ft.gtOk(['sling', calm, 'calm', '--json']));
  const busy = JSON.parse(await ft.gtOk(['sling', stall, 'stall', '--json']));
  const asks = JSON.parse(await ft.gtOk(['sling', JSON.parse(await ft.gtOk(['bead', 'create', '--rig', 'asks', '--title', 'Needs a decision', '--json'])).id, 'asks', '--json']));
  const t0 = Date.now();
  // Its gt ask runs beside the agent, as a CLI runs a long tool call in the background (Claude
  // Code does at its Bash timeout): the question stays open while the agent reports idle.
  asker = spawn(process.execPath, [GT_BIN, 'ask', 'Which colour?', '--timeout', '5m', '--town', ft.root], {
    env: { ...process.env, GT_ROLE: 'polecat', GT_RIG: 'asks', GT_POLECAT: asks.identity.split('/').pop(), GT_SESSION: asks.session },
    stdio: 'ignore',
  });
  await waitFor('the question open', async () => JSON.parse(await ft.gtOk(['questions', '--json'])).length === 1, 15_000, 100);
  await waitFor('gt ask reports blocked: question', () => heartbeat(asks.session).state === 'blocked', 10_000);
  // The turn ends while the call runs on: the CLI's Stop hook reports idle (gt's own hook script).
  const stop = spawnSync('sh', [join(REPO, 'internal', 'agent', 'hooks', 'agent-hook.sh'), 'claude', 'Stop'], { env: { ...process.env, GT_TOWN_ROOT: ft.root, GT_SESSION: asks.session }, input: '{}' });
  assert.is(stop.status, 0);
  assert.is(heartbeat(asks.session).state, 'idle');
  await waitFor('the idle polecat reports idle', () => heartbeat(idle.session).state === 'idle', 10_000);
  await waitFor('the stalled polecat reports working', () => heartbeat(busy.session).state === 'working', 10_000);

  // dead_after (9s) passes first: the working one is marked dead; the idle one is not touched.
  const marked = await waitFor('the stalled polecat marked dead', () => ft.log().find((l) => l.includes(`marked ${busy.identity} dead`)), 30_000, 100);
  console.log(`  ${busy.identity} marked dead ${Date.now() - t0}ms after the slings (dead_after 9s)`);
  assert.match(marked, /working on hooked work but no progress/);
  assert.equal(matching(ft.log(), new RegExp(`marked ${idle.identity.replace(/\//g, '\\/')} dead`)), []);

  // gupp_after (18s): one mail to the idle polecat's witness, for it alone.
  const mail = await waitFor('the GUPP_VIOLATION', async () => {
    const m = (await ft.inbox('calm/witness')).filter((x) => x.subject.startsWith('GUPP_VIOLATION'));
    return m.length ? m : undefined;
  }, 40_000, 200);
  console.log(`  GUPP_VIOLATION for ${idle.identity} ${Date.now() - t0}ms after the slings (gupp_after 18s)`);
  assert.is(mail.length, 1);
  assert.match(mail[0]!.subject, `GUPP_VIOLATION: ${idle.identity} `);
  assert.match(mail[0]!.body, `hook: ${calm}`);
  assert.match(mail[0]!.body, 'reported: idle');
  // Another gupp_after later: still that one mail (once per episode), and none for the stalled one.
  await new Promise((r) => setTimeout(r, 20_000));
  const later = await ft.inbox('calm/witness');
  assert.is(later.filter((m) => m.subject.startsWith('GUPP_VIOLATION')).length, 1, `${JSON.stringify(later)}\n${matching(ft.log(), /calm|GUPP|mail/).join('\n')}`);
  assert.equal((await ft.inbox('stall/witness')).filter((m) => m.subject.startsWith('GUPP_VIOLATION')), []);
  // Idle at its prompt, but its own question waits for the person: blocked (question), not a GUPP.
  assert.equal((await ft.inbox('asks/witness')).filter((m) => m.subject.startsWith('GUPP_VIOLATION')), [], matching(ft.log(), /asks/).join('\n'));
  const row = (JSON.parse(await ft.gtOk(['agents', '--json'])) as Array<{ identity: string; activity: { state: string; reason?: string } }>).find((a) => a.identity === asks.identity)!;
  assert.equal([row.activity.state, row.activity.reason], ['blocked', 'question']);
  assert.is(heartbeat(asks.session).state, 'idle', 'the agent itself still says idle');
  asker!.kill('SIGTERM');
  // The interval (3m) never ran: deadlines did it all.
  const state = JSON.parse(readFileSync(join(ft.root, 'daemon', 'state.json'), 'utf8'));
  assert.ok(state.recovery_interval_ms === 180_000);
});

test.run();

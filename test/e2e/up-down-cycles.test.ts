/**
 * Issue 8, default restart settings and the 3m interval:
 *   - gt up and gt down are deliberate: five cycles in a minute leave no backoff, no crash loop,
 *     no CRASH_LOOP mail, and `gt agents` shows no crash;
 *   - a deacon started by gt up with an hours-old heartbeat file, then the daemon restarted (and
 *     its restart record lost): not killed inside its grace, which counts from its real start.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { faultTown, matching, type FaultTown } from '../helpers/engine-faults.js';
import { waitFor } from '../helpers/town.js';

let ft: FaultTown;

interface Row {
  identity: string;
  liveness: string;
  crashes: number;
  last_exit: { stopped_by?: string; crash: boolean } | null;
  next_attempt: string | null;
  crash_loop: string | null;
}

const agents = async (): Promise<Row[]> => JSON.parse(await ft.gtOk(['agents', '--json'])) as Row[];

test.before(async () => {
  // Quiet sims (GT_SIM_WORK=0): the deacon never writes deacon/heartbeat.json by itself.
  ft = await faultTown();
  await ft.addRig('shop', 'sh');
  ft.town.daemonSettings({ patrols: { witness: { enabled: false }, refinery: { enabled: false } } });
});

test.after(async () => {
  await ft.teardown();
});

test('a fresh town: gt agents shows nothing in the crash, last exit and next attempt columns', async () => {
  await ft.gtOk(['up']);
  for (const a of await agents()) {
    assert.equal([a.crashes, a.last_exit, a.next_attempt, a.crash_loop], [0, null, null, null], a.identity);
  }
  const human = (await ft.gtOk(['agents'])).split('\n');
  assert.match(human[0]!, /CRASHES\s+LAST EXIT\s+NEXT/);
  for (const line of human.slice(1).filter((l) => /^(deacon|mayor) /.test(l))) assert.match(line, /\s-\s+-\s+-\s/, line);
});

test('five gt up / gt down cycles in a minute: no backoff, no crash loop, no CRASH_LOOP mail, no crash counted', async () => {
  const t0 = Date.now();
  for (let i = 0; i < 5; i++) {
    await ft.gtOk(['down']);
    // Each run gt down ended was short (under min_uptime, 30s): as deaths they would be crashes.
    const rs = JSON.parse(readFileSync(join(ft.root, 'daemon', 'restart_state.json'), 'utf8')).agents;
    for (const id of ['deacon', 'mayor']) {
      assert.equal([rs[id].running, rs[id].lastExit.stoppedBy, rs[id].lastExit.crash], [null, 'gt down', false], `cycle ${i + 1}: ${id}`);
      assert.ok(rs[id].lastExit.ranMs < 30_000, `cycle ${i + 1}: ${id} ran ${rs[id].lastExit.ranMs}ms`);
    }
    const up = JSON.parse(await ft.gtOk(['up', '--json']));
    for (const s of up.sessions as Array<{ identity: string; status: string }>) assert.is(s.status, 'started', `cycle ${i + 1}: ${s.identity}`);
  }
  console.log(`  five cycles in ${Math.round((Date.now() - t0) / 1000)}s`);
  assert.equal(matching(ft.log(), /backoff|CRASH_LOOP|died after/), []);
  assert.equal((await ft.inbox('mayor/')).filter((m) => m.subject.startsWith('CRASH_LOOP')), []);
  for (const a of (await agents()).filter((x) => x.identity === 'deacon' || x.identity === 'mayor')) {
    assert.is(a.liveness, 'alive', a.identity);
    assert.equal([a.crashes, a.next_attempt, a.crash_loop], [0, null, null], a.identity);
    assert.equal([a.last_exit?.stopped_by, a.last_exit?.crash], ['gt down', false], a.identity);
  }
});

test('a deacon started by gt up with an hours-old heartbeat file, then the daemon restarted: not killed inside its grace', async () => {
  // Work in flight, so the deacon's staleness matters.
  const bead = JSON.parse(await ft.gtOk(['bead', 'create', '--rig', 'shop', '--title', 'Work', '--json'])).id as string;
  await ft.gtOk(['sling', bead, 'shop']);
  const pid = await waitFor('the deacon', () => ft.panePid('hq-deacon'), 10_000);
  writeFileSync(join(ft.root, 'deacon', 'heartbeat.json'), JSON.stringify({ timestamp: new Date(Date.now() - 3 * 3600_000).toISOString(), cycle: 1 }));
  // The daemon restarts, and its restart record is gone with it (as after a corrupt file): the
  // grace must come from the deacon's real start, not from anything the daemon remembers.
  await ft.gtOk(['daemon', 'stop']);
  rmSync(join(ft.root, 'daemon', 'restart_state.json'), { force: true });
  const restartedAt = Date.now();
  await ft.gtOk(['daemon', 'start']);
  const mark = ft.log().length;
  for (let i = 0; i < 5; i++) {
    await ft.gtOk(['daemon', 'tick']);
    await new Promise((r) => setTimeout(r, 300));
  }
  assert.is(ft.panePid('hq-deacon'), pid, 'the same deacon session');
  assert.equal(matching(ft.log().slice(mark), /very stale|nudged deacon|(killed|restarted) deacon/), []);
  // The new daemon took the run's start from the agent process itself (/proc), not from when it
  // first saw it: that is where the grace counts from.
  const since = JSON.parse(readFileSync(join(ft.root, 'daemon', 'restart_state.json'), 'utf8')).agents.deacon.running.since as number;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
  const uptime = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
  const started = Date.now() - uptime * 1000 + ticks * 10;
  assert.ok(Math.abs(since - started) < 1_000, `recorded since ${new Date(since).toISOString()}, process started ${new Date(started).toISOString()}`);
  assert.ok(since < restartedAt - 1_000, 'the run began before the new daemon saw it');
});

test.run();

/**
 * Scheduled jobs (settings/daemon.json `jobs`) run by the real daemon: a seconds-resolution job
 * runs on time and logs its exit; a slow one never overlaps itself and is ended by its timeout
 * (its whole process group); SIGHUP reloads the jobs; ESTOP pauses them; a restart after downtime
 * makes at most one catch-up run; `gt daemon jobs` lists last and next runs; `gt down` leaves no
 * job process behind.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gt, makeTown, pidsWithEnv, readJson, waitFor, type TempTown } from '../helpers/town.js';

let town: TempTown;
const G = async (args: string[]) => {
  const r = await gt([...args, '--town', town.root]);
  if (r.code !== 0) throw new Error(`gt ${args.join(' ')} exited ${r.code}: ${r.stderr}${r.stdout}`);
  return r.stdout;
};
const log = (): string[] => {
  const f = join(town.root, 'daemon', 'daemon.log');
  return existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter(Boolean) : [];
};
const jobsFile = () => join(town.root, 'daemon', 'jobs.json');
const record = (name: string) => (existsSync(jobsFile()) ? readJson(jobsFile()).jobs[name] : undefined);
const ticks = async () => (JSON.parse(await G(['mail', 'inbox', 'mayor/', '--all', '--json'])) as Array<{ subject: string; created_at: string }>).filter((m) => m.subject === 'tick');
const daemonPid = async () => Number((await G(['daemon', 'pid'])).trim());
/** Job processes of this town only: the marker is the town root. */
const jobPids = (name: string) => pidsWithEnv('GT_JOB', name).filter((p) => {
  try {
    return readFileSync(`/proc/${p}/environ`, 'utf8').split('\0').includes(`GT_TOWN_ROOT=${town.root}`);
  } catch {
    return false;
  }
});

test.before(async () => {
  town = await makeTown({
    agent: 'sim',
    // No agents: this file is about jobs.
    settings: { roles: { mayor: { enabled: false }, deacon: { enabled: false } }, daemon: { recovery_interval: '1s' } },
    daemonSettings: {
      jobs: [
        { name: 'tick', schedule: '*/1 * * * * *', command: ['mail', 'send', 'mayor/', '-s', 'tick'] },
        // Follows the log forever: every run lasts until its 2.5s timeout, longer than the schedule's period.
        { name: 'slow', schedule: '*/1 * * * * *', command: ['daemon', 'logs', '-f'], timeout: '2500ms', kill_grace: '1s' },
        { name: 'fails', schedule: '*/2 * * * * *', command: ['bead', 'show', 'zz-nope'] },
        { name: 'off', schedule: '* * * * *', command: ['status'], enabled: false },
      ],
    },
  });
});
test.after(async () => {
  await town.cleanup();
});

test('a */1-second job runs on time, each run logged with its exit status and duration', async () => {
  await G(['daemon', 'start']);
  await waitFor('5 tick runs', async () => (await ticks()).length >= 5, 30_000, 200);
  const mails = await ticks();
  const times = mails.map((m) => Date.parse(m.created_at));
  // One run per second: no burst (two within 400ms) and no long gap (scheduler drift).
  for (let i = 1; i < times.length; i++) {
    const gap = times[i]! - times[i - 1]!;
    assert.ok(gap > 400, `runs ${gap}ms apart: ${mails.map((m) => m.created_at).join(', ')}`);
  }
  const rec = record('tick');
  assert.ok(rec.runs >= 5);
  assert.is(rec.last_run.exit_code, 0);
  // Started on time: within a generous bound of the second it was due.
  const lag = Date.parse(rec.last_run.started_at) - Date.parse(rec.last_run.scheduled_for);
  assert.ok(lag >= 0 && lag < 3000, `started ${lag}ms after it was due`);
  assert.ok(log().some((l) => /job tick: exit 0 after \d+\.\d+s/.test(l)), log().join('\n'));
  await waitFor('the failing job logged with its exit and output', () => log().some((l) => /ERROR job fails: exit 1 after .*; output: .*zz-nope/.test(l)), 15_000);
  assert.is(record('fails').last_run.exit_code, 1);
  assert.ok(record('fails').failures >= 1);
});

test('a slow job never overlaps itself; its timeout ends the whole run, logged as timed out', async () => {
  let maxAtOnce = 0;
  const deadline = Date.now() + 7_000;
  while (Date.now() < deadline) {
    maxAtOnce = Math.max(maxAtOnce, jobPids('slow').length);
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(maxAtOnce >= 1, 'the slow job ran');
  assert.is(maxAtOnce, 1, 'never two runs of the slow job at once');
  await waitFor('a timed-out run recorded', () => record('slow')?.last_run?.timed_out === true, 10_000);
  assert.ok(record('slow').skipped_overlap >= 1, JSON.stringify(record('slow')));
  assert.ok(log().some((l) => /job slow: skipped the run due .*: the previous run is still going/.test(l)));
  assert.ok(log().some((l) => /ERROR job slow: timed out \((killed by SIGTERM|exit \d+)\) after 2\.\d+s/.test(l)), log().filter((l) => l.includes('job slow')).join('\n'));
});

test('gt daemon jobs [--json]: each job with its last and next run; disabled ones say so', async () => {
  const j = JSON.parse(await G(['daemon', 'jobs', '--json']));
  assert.is(j.daemon_running, true);
  const by = Object.fromEntries(j.jobs.map((x: { name: string }) => [x.name, x]));
  assert.equal(Object.keys(by).sort(), ['fails', 'off', 'slow', 'tick']);
  assert.is(by.tick.last_run.ok, true);
  assert.ok(Date.parse(by.tick.next_run) > Date.now() - 2000);
  assert.is(by.off.blocked, 'disabled');
  assert.is(by.off.next_run, null);
  const human = await G(['daemon', 'jobs']);
  assert.match(human, /^NAME\s+SCHEDULE\s+COMMAND\s+LAST RUN\s+RESULT\s+NEXT RUN/m);
  // A run may be going right now (the job fires every second).
  assert.match(human, /tick\s+\*\/1 \* \* \* \* \*\s+gt mail send mayor\/ -s tick\s+\S+\s+(exit 0, \d|running \(pid (\d+|\?)\))/);
  assert.match(human, /off .*\(disabled\)/);
  assert.match((await gt(['daemon', 'jobs', '--help'])).stdout, /usage: gt daemon jobs/);
});

// A failed ESTOP test must not leave the town stopped for the tests after it.
test.after.each(() => {
  if (town) rmSync(join(town.root, 'ESTOP'), { force: true });
});

test('ESTOP pauses every job (logged once), gt thaw resumes them', async () => {
  writeFileSync(join(town.root, 'ESTOP'), '');
  await waitFor('the pause logged', () => log().some((l) => /jobs: paused, ESTOP is set/.test(l)), 10_000);
  // A run already going may end; after that nothing starts.
  await waitFor('no job process left', () => jobPids('slow').length === 0 && jobPids('tick').length === 0, 10_000);
  const before = (await ticks()).length;
  const skipped0 = record('tick').skipped_gate;
  await new Promise((r) => setTimeout(r, 3_000));
  assert.is((await ticks()).length, before, 'no tick run under ESTOP');
  assert.ok(record('tick').skipped_gate >= skipped0 + 2);
  assert.is(jobPids('tick').length + jobPids('slow').length, 0);
  // Lines of their own: the slow job (`gt daemon logs -f`) can echo this line inside its output tail.
  assert.is(log().filter((l) => /^\S+ WARN  jobs: paused/.test(l)).length, 1, 'paused logged once per episode');
  rmSync(join(town.root, 'ESTOP'));
  await waitFor('runs again after thaw', async () => (await ticks()).length > before, 10_000, 200);
  assert.ok(log().some((l) => /jobs: resumed/.test(l)));
});

test('SIGHUP reloads the jobs: a removed job stops, a new one runs; a broken file keeps the old jobs', async () => {
  const daemonJson = join(town.root, 'settings', 'daemon.json');
  const cur = readJson(daemonJson);
  cur.jobs = [{ name: 'tick2', schedule: '*/1 * * * * *', command: ['mail', 'send', 'mayor/', '-s', 'tick2'] }];
  writeFileSync(daemonJson, JSON.stringify(cur));
  process.kill(await daemonPid(), 'SIGHUP');
  await waitFor('reload logged', () => log().some((l) => /jobs: reloaded \(1 scheduled\)/.test(l)), 10_000);
  const after = (await ticks()).length;
  const inbox = async () => (JSON.parse(await G(['mail', 'inbox', 'mayor/', '--json'])) as Array<{ subject: string }>).filter((m) => m.subject === 'tick2').length;
  await waitFor('the new job ran twice', async () => (await inbox()) >= 2, 15_000, 200);
  await waitFor('the slow job is gone', () => jobPids('slow').length === 0, 10_000);
  // At most one tick run was already under way at the reload.
  assert.ok((await ticks()).length <= after + 1, 'the removed job stopped');
  writeFileSync(daemonJson, '{ not json');
  process.kill(await daemonPid(), 'SIGHUP');
  await waitFor('bad file logged', () => log().some((l) => /SIGHUP: settings\/daemon.json: .*not valid JSON.*kept the previous jobs/.test(l)), 10_000);
  const n = await inbox();
  await waitFor('tick2 still runs', async () => (await inbox()) > n, 10_000, 200);
  writeFileSync(daemonJson, JSON.stringify(cur));
});

test('after downtime: missed runs are not replayed, one catch-up run at start', async () => {
  await G(['daemon', 'stop']);
  await new Promise((r) => setTimeout(r, 3_500));
  const mark = log().length;
  await G(['daemon', 'start']);
  await waitFor('the catch-up run logged', () => log().slice(mark).some((l) => /job tick2 \(catch-up\): exit 0/.test(l)), 15_000);
  const since = log().slice(mark);
  const missed = since.find((l) => /job tick2: \d+ runs missed while the daemon was down/.test(l));
  assert.ok(missed, since.join('\n'));
  assert.ok(Number(/tick2: (\d+) runs/.exec(missed!)![1]) >= 3, missed);
  await new Promise((r) => setTimeout(r, 2_000));
  assert.is(log().slice(mark).filter((l) => /\(catch-up\)/.test(l)).length, 1, 'exactly one catch-up run');
});

test('gt down: the daemon stops its jobs; no job process is left', async () => {
  const cur = readJson(join(town.root, 'settings', 'daemon.json'));
  cur.jobs = [{ name: 'slow', schedule: '*/1 * * * * *', command: ['daemon', 'logs', '-f'], timeout: '1h' }];
  writeFileSync(join(town.root, 'settings', 'daemon.json'), JSON.stringify(cur));
  process.kill(await daemonPid(), 'SIGHUP');
  await waitFor('a slow run going', () => jobPids('slow').length === 1, 15_000);
  await G(['down']);
  await waitFor('no job process left', () => jobPids('slow').length === 0, 15_000);
  assert.ok(log().some((l) => /job slow: stopped with the daemon/.test(l)), log().slice(-10).join('\n'));
});

test.run();

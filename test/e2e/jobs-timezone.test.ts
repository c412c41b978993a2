/**
 * A job's schedule is read in its own zone, else `jobs_timezone`, else the daemon's local zone
 * (issue 11: "time zone as in settings, default local"). `gt daemon jobs --json` computes the next
 * run through the same cron library the scheduler uses: "0 9 * * *" falls at different UTC
 * instants in Tokyo (UTC+9), in UTC, in New York (jobs_timezone; UTC-5 in December, UTC-4 in
 * summer) and in the local zone (TZ=Asia/Kolkata, UTC+5:30).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gt, makeTown, readJson, type TempTown } from '../helpers/town.js';

let town: TempTown;

test.before(async () => {
  town = await makeTown({
    agent: 'sim',
    daemonSettings: {
      jobs_timezone: 'America/New_York',
      jobs: [
        { name: 'tokyo', schedule: '0 9 * * *', command: ['status'], timezone: 'Asia/Tokyo' },
        { name: 'utc', schedule: '0 9 * * *', command: ['status'], timezone: 'UTC' },
        { name: 'town-zone', schedule: '0 9 * * *', command: ['status'] },
      ],
    },
  });
});
test.after(async () => {
  await town.cleanup();
});

const nextRuns = async (env: NodeJS.ProcessEnv = {}) => {
  const r = await gt(['daemon', 'jobs', '--json', '--town', town.root], { env });
  assert.is(r.code, 0, r.stderr);
  const jobs = JSON.parse(r.stdout).jobs as Array<{ name: string; next_run: string | null }>;
  return Object.fromEntries(jobs.map((j) => [j.name, new Date(j.next_run!)]));
};
const utcTime = (d: Date) => `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;

test("each job's zone, else jobs_timezone: 09:00 there is a different UTC time", async () => {
  const next = await nextRuns();
  assert.is(utcTime(next.tokyo!), '00:00');
  assert.is(utcTime(next.utc!), '09:00');
  assert.ok(['13:00', '14:00'].includes(utcTime(next['town-zone']!)), `New York 09:00 is 13:00 or 14:00 UTC, got ${next['town-zone']!.toISOString()}`);
});

test('no zone anywhere: the local zone (TZ)', async () => {
  // Drop jobs_timezone and the jobs' own zones: only TZ is left.
  const file = join(town.root, 'settings', 'daemon.json');
  const settings = readJson(file);
  delete settings.jobs_timezone;
  settings.jobs = [{ name: 'local', schedule: '0 9 * * *', command: ['status'] }];
  writeFileSync(file, JSON.stringify(settings, null, 2));
  const next = await nextRuns({ TZ: 'Asia/Kolkata' });
  assert.is(utcTime(next.local!), '03:30');
});

test.run();

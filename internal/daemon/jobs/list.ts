import { existsSync } from 'node:fs';
import { loadDaemonSettings } from '../../config/daemon-settings.js';
import { flockHolders } from '../../fsx/proc.js';
import type { TownLayout } from '../../town/layout.js';
import { probeDaemon } from '../probe.js';
import { describeOutcome, loadJobsState, runSucceeded, type LastRun } from './records.js';
import { Schedule, scheduleProblem } from './schedule.js';

/** What `gt daemon jobs` shows: each configured job with its last and next run. */

export interface JobListing {
  name: string;
  schedule: string;
  timezone: string;
  command: string[];
  enabled: boolean;
  timeout_ms: number;
  /** Why it will not run at `next_run` (disabled, invalid schedule, daemon down, a gate), if so. */
  blocked: string | null;
  next_run: string | null;
  running: { pid: number | null; started_at: string } | null;
  last_run: (LastRun & { ok: boolean; outcome: string }) | null;
  runs: number;
  failures: number;
  skipped_overlap: number;
  skipped_gate: number;
}

export interface JobsReport {
  daemon_running: boolean;
  paused: string | null;
  jobs: JobListing[];
}

export async function listJobs(layout: TownLayout, now = Date.now()): Promise<JobsReport> {
  const settings = loadDaemonSettings(layout.daemonSettingsFile);
  const state = loadJobsState(layout.jobsState).state;
  const daemon = (await probeDaemon(layout)).running;
  const paused = existsSync(layout.estop)
    ? 'ESTOP is set (gt thaw)'
    : flockHolders(layout.shutdownLock).length > 0
      ? 'gt down holds daemon/shutdown.lock'
      : null;
  const localZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const jobs = settings.jobs.map((j): JobListing => {
    const rec = state.jobs[j.name];
    const zone = j.timezone ?? settings.jobs_timezone;
    const problem = scheduleProblem(j.schedule, zone);
    // The next fire as the daemon computes it; the daemon's own record wins while it runs.
    let next: string | null = null;
    if (j.enabled && !problem) next = daemon && rec?.next_run ? rec.next_run : new Date(new Schedule(j.schedule, zone).nextAfter(now)).toISOString();
    const blocked = !j.enabled
      ? 'disabled'
      : problem
        ? `invalid schedule: ${problem}`
        : !daemon
          ? 'the daemon is not running'
          : paused;
    return {
      name: j.name,
      schedule: j.schedule,
      timezone: zone ?? `local (${localZone})`,
      command: j.command,
      enabled: j.enabled,
      timeout_ms: j.timeout,
      blocked,
      next_run: next,
      running: daemon ? (rec?.running ?? null) : null,
      last_run: rec?.last_run ? { ...rec.last_run, ok: runSucceeded(rec.last_run), outcome: describeOutcome(rec.last_run) } : null,
      runs: rec?.runs ?? 0,
      failures: rec?.failures ?? 0,
      skipped_overlap: rec?.skipped_overlap ?? 0,
      skipped_gate: rec?.skipped_gate ?? 0,
    };
  });
  return { daemon_running: daemon, paused, jobs };
}

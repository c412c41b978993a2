import type { DaemonSettings, JobSettings } from '../../config/daemon-settings.js';
import { messageOf } from '../../errors.js';
import type { TownLayout } from '../../town/layout.js';
import type { Logger } from '../logger.js';
import { describeOutcome, loadJobsState, newJobRecord, runSucceeded, saveJobsState, type JobRecord, type JobsState, type LastRun } from './records.js';
import { runProcess, type ProcessOutcome } from './run-process.js';
import { Schedule } from './schedule.js';

/**
 * Scheduled jobs (settings/daemon.json `jobs`): each runs `gt <command...>` on its cron schedule.
 * - A job never overlaps itself: a fire while its previous run goes on is skipped (and logged).
 * - Each run has a timeout: SIGTERM to its process group, SIGKILL after `kill_grace`.
 * - Each run is logged with its exit status, duration and the tail of its output, and recorded
 *   atomically in daemon/jobs.json.
 * - Runs missed while the daemon was down are not replayed: at most one catch-up run at start.
 * - While a gate is closed (ESTOP, `gt down`) due runs are skipped, logged once per episode.
 * Timers are the scheduler's own (never the tick's), so a slow job never delays supervision.
 */

export interface SchedulerEnv {
  town: string;
  layout: Pick<TownLayout, 'jobsState'>;
  log: Logger;
  /** The argv that runs `gt <args>` (the daemon's node and gt entry point). */
  gtArgv: (args: readonly string[]) => string[];
  /** Why jobs may not run right now (ESTOP, shutdown lock), or undefined when they may. */
  gate: () => string | undefined;
  /** Every run and skip, for control-socket subscribers and metrics. */
  emit?: (event: Record<string, unknown>) => void;
  /** Environment the job processes inherit (default: the daemon's). */
  env?: NodeJS.ProcessEnv;
  now?: () => number;
}

interface Entry {
  job: JobSettings;
  schedule: Schedule;
  timer?: NodeJS.Timeout;
  nextAt?: number;
}

/** Longest single timer: a far fire time is re-checked at least this often (clock changes, suspend). */
const MAX_TIMER_MS = 60 * 60 * 1000;
/** Missed runs are counted for the log line up to this many. */
const MAX_COUNTED_MISSES = 1000;
/** Variables that would make a job's gt think it runs inside an agent session. */
const SESSION_VARS = ['GT_ROLE', 'GT_RIG', 'GT_POLECAT', 'GT_CREW', 'GT_SESSION', 'BD_ACTOR'];

export class JobScheduler {
  private readonly entries = new Map<string, Entry>();
  /** Runs in flight by job name; kept across reloads so a reloaded job still never overlaps. */
  private readonly running = new Map<string, Promise<void>>();
  private readonly abort = new AbortController();
  private state: JobsState;
  private gateClosed: string | undefined;
  private readonly now: () => number;

  constructor(private readonly env: SchedulerEnv) {
    this.now = env.now ?? Date.now;
    const loaded = loadJobsState(env.layout.jobsState);
    if (loaded.warning) env.log.warn(`jobs: ${loaded.warning}`);
    this.state = loaded.state;
  }

  /** Schedule the configured jobs; a run missed while the daemon was down runs once now. */
  start(settings: DaemonSettings): void {
    this.apply(settings, true);
  }

  /** New settings (SIGHUP): every job is rescheduled from now; runs in flight go on. */
  reload(settings: DaemonSettings): void {
    this.apply(settings, false);
  }

  /** Stop scheduling; runs in flight are ended (SIGTERM, then SIGKILL after their grace) and awaited. */
  async stop(): Promise<void> {
    for (const e of this.entries.values()) clearTimeout(e.timer);
    this.entries.clear();
    this.abort.abort();
    await Promise.all(this.running.values());
  }

  /** The names of jobs with a run in flight. */
  get runningJobs(): string[] {
    return [...this.running.keys()];
  }

  private apply(settings: DaemonSettings, atStart: boolean): void {
    if (this.abort.signal.aborted) return;
    for (const e of this.entries.values()) clearTimeout(e.timer);
    this.entries.clear();
    const now = this.now();
    const records: Record<string, JobRecord> = {};
    const catchUps: Array<{ entry: Entry; due: number }> = [];
    for (const job of settings.jobs) {
      records[job.name] = this.state.jobs[job.name] ?? newJobRecord(now);
      if (!job.enabled) {
        records[job.name] = { ...records[job.name]!, next_run: null };
        continue;
      }
      let schedule: Schedule;
      const zone = job.timezone ?? settings.jobs_timezone;
      try {
        schedule = new Schedule(job.schedule, zone);
      } catch (e) {
        this.env.log.error(`job ${job.name}: schedule ${JSON.stringify(job.schedule)}${zone ? ` (${zone})` : ''} is invalid: ${messageOf(e)}; not scheduled (fix settings/daemon.json, then SIGHUP)`);
        records[job.name] = { ...records[job.name]!, next_run: null };
        continue;
      }
      const entry: Entry = { job, schedule };
      this.entries.set(job.name, entry);
      const rec = records[job.name]!;
      const missedFrom = rec.last_due ?? rec.since;
      const firstMissed = schedule.nextAfter(missedFrom);
      if (atStart && firstMissed <= now) {
        const missed = this.countMissed(schedule, missedFrom, now);
        if (job.catch_up) {
          this.env.log.info(`job ${job.name}: ${missed} run${missed === '1' ? '' : 's'} missed while the daemon was down (first due ${new Date(firstMissed).toISOString()}); running it once now`);
          catchUps.push({ entry, due: firstMissed });
        } else {
          this.env.log.info(`job ${job.name}: ${missed} run${missed === '1' ? '' : 's'} missed while the daemon was down; catch_up is off, waiting for the next one`);
          records[job.name] = { ...rec, last_due: now };
        }
      }
    }
    this.state = { version: 1, jobs: records };
    for (const entry of this.entries.values()) this.arm(entry, now);
    this.save();
    for (const { entry, due } of catchUps) this.fire(entry, due, 'catch-up');
    if (!atStart) this.env.log.info(`jobs: reloaded (${this.entries.size} scheduled)`);
    else if (this.entries.size) this.env.log.info(`jobs: ${this.entries.size} scheduled`);
  }

  private countMissed(schedule: Schedule, from: number, now: number): string {
    let n = 0;
    for (let t = schedule.nextAfter(from); t <= now; t = schedule.nextAfter(t)) {
      if (++n >= MAX_COUNTED_MISSES) return `${MAX_COUNTED_MISSES}+`;
    }
    return String(n);
  }

  /** Set the timer for the first fire after `from` (never one already past: no bursts). */
  private arm(entry: Entry, from: number): void {
    clearTimeout(entry.timer);
    const next = entry.schedule.nextAfter(Math.max(from, this.now()));
    entry.nextAt = next;
    this.patch(entry.job.name, { next_run: new Date(next).toISOString() });
    this.setTimer(entry, next);
  }

  private setTimer(entry: Entry, at: number): void {
    const delay = Math.max(0, at - this.now());
    entry.timer = setTimeout(() => {
      if (this.entries.get(entry.job.name) !== entry) return;
      // A long wait is cut in pieces; fire only once the due time has really come.
      if (this.now() < at) this.setTimer(entry, at);
      else this.fire(entry, at, 'schedule');
    }, Math.min(delay, MAX_TIMER_MS));
  }

  private fire(entry: Entry, due: number, trigger: LastRun['trigger']): void {
    if (this.abort.signal.aborted) return;
    const name = entry.job.name;
    if (trigger === 'schedule') this.arm(entry, due);
    const rec = this.state.jobs[name];
    if (!rec) return;
    const dueIso = new Date(due).toISOString();
    if (this.running.has(name)) {
      const since = rec.running ? ` (pid ${rec.running.pid ?? '?'}, since ${rec.running.started_at})` : '';
      this.env.log.warn(`job ${name}: skipped the run due ${dueIso}: the previous run is still going${since}`);
      this.patch(name, { last_due: due, skipped_overlap: rec.skipped_overlap + 1 });
      this.save();
      this.env.emit?.({ type: 'job', job: name, result: 'skipped', reason: 'overlap', due: dueIso });
      return;
    }
    const gate = this.env.gate();
    if (gate) {
      if (this.gateClosed !== gate) this.env.log.warn(`jobs: paused, ${gate}: due runs are skipped until it clears`);
      this.gateClosed = gate;
      this.patch(name, { last_due: due, skipped_gate: rec.skipped_gate + 1 });
      this.save();
      this.env.emit?.({ type: 'job', job: name, result: 'skipped', reason: 'gate', due: dueIso });
      return;
    }
    if (this.gateClosed) {
      this.env.log.info('jobs: resumed (gate clear)');
      this.gateClosed = undefined;
    }
    const run = this.run(entry.job, due, trigger).finally(() => this.running.delete(name));
    this.running.set(name, run);
  }

  private async run(job: JobSettings, due: number, trigger: LastRun['trigger']): Promise<void> {
    const startedAt = new Date(this.now()).toISOString();
    const dueIso = new Date(due).toISOString();
    this.patch(job.name, { last_due: due, running: { pid: null, started_at: startedAt } });
    this.save();
    const env: NodeJS.ProcessEnv = { ...(this.env.env ?? process.env), GT_TOWN_ROOT: this.env.town, GT_JOB: job.name };
    for (const k of SESSION_VARS) delete env[k];
    let outcome: ProcessOutcome;
    try {
      outcome = await runProcess({
        argv: this.env.gtArgv(job.command),
        cwd: this.env.town,
        env,
        timeoutMs: job.timeout,
        killGraceMs: job.kill_grace,
        signal: this.abort.signal,
        onSpawn: (pid) => {
          const cur = this.state.jobs[job.name]?.running;
          if (cur) this.patch(job.name, { running: { ...cur, pid } });
        },
      });
    } catch (e) {
      outcome = { exit_code: null, signal: null, timed_out: false, aborted: false, duration_ms: 0, output_tail: '', error: messageOf(e) };
    }
    const last: LastRun = {
      trigger,
      scheduled_for: dueIso,
      started_at: startedAt,
      ended_at: new Date(this.now()).toISOString(),
      exit_code: outcome.exit_code,
      signal: outcome.signal,
      timed_out: outcome.timed_out,
      aborted: outcome.aborted,
      duration_ms: outcome.duration_ms,
      output_tail: outcome.output_tail,
      ...(outcome.error !== undefined ? { error: outcome.error } : {}),
    };
    const ok = runSucceeded(last);
    const rec = this.state.jobs[job.name];
    if (rec) {
      this.patch(job.name, { last_run: last, running: null, runs: rec.runs + 1, failures: rec.failures + (ok ? 0 : 1) });
      this.save();
    }
    const tail = lastLines(outcome.output_tail, 3);
    const line = `job ${job.name}${trigger === 'catch-up' ? ' (catch-up)' : ''}: ${describeOutcome(last)} after ${formatSeconds(outcome.duration_ms)}${tail ? `; output: ${tail}` : ''}`;
    if (ok) this.env.log.info(line);
    else this.env.log.error(line);
    this.env.emit?.({
      type: 'job',
      job: job.name,
      result: ok ? 'ok' : 'failed',
      trigger,
      exit_code: outcome.exit_code,
      signal: outcome.signal,
      timed_out: outcome.timed_out,
      duration_ms: outcome.duration_ms,
    });
  }

  private patch(name: string, p: Partial<JobRecord>): void {
    const cur = this.state.jobs[name];
    if (cur) this.state = { version: 1, jobs: { ...this.state.jobs, [name]: { ...cur, ...p } } };
  }

  private save(): void {
    try {
      saveJobsState(this.env.layout.jobsState, this.state);
    } catch (e) {
      this.env.log.warn(`jobs: could not write daemon/jobs.json: ${messageOf(e)}`);
    }
  }
}

/** The last `n` non-empty lines, control characters removed, joined with " | " (for one log line). */
export function lastLines(text: string, n: number): string {
  return text
    .split('\n')
    .map((l) => l.replace(/[\u0000-\u001f\u007f-\u009f]/g, '').trim())
    .filter(Boolean)
    .slice(-n)
    .join(' | ')
    .slice(0, 500);
}

function formatSeconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(2)}s` : `${Math.round(ms / 1000)}s`;
}

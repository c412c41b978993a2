import { CronTime } from 'cron';

/**
 * When a job's cron expression next fires, through the cron library (5 fields, or 6 with seconds
 * first). The zone is the job's own, else `jobs_timezone`, else the daemon's local zone.
 */
export class Schedule {
  private readonly cron: CronTime;

  constructor(
    readonly expression: string,
    readonly timeZone?: string,
  ) {
    // Throws CronError for a bad field or zone; callers turn that into one line naming the job.
    this.cron = timeZone ? new CronTime(expression, timeZone) : new CronTime(expression);
  }

  /** The first fire strictly after `after` (epoch ms). */
  nextAfter(after: number): number {
    return this.cron.getNextDateFrom(new Date(after), this.timeZone).toMillis();
  }
}

/** A problem with a schedule as one line, or undefined when the cron library accepts it. */
export function scheduleProblem(expression: string, timeZone?: string): string | undefined {
  try {
    new Schedule(expression, timeZone);
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

import type { CommandContext, CommandSpec } from '../spec.js';
import { printJson, table } from '../output.js';
import { townLayout } from '../../town/layout.js';

export const spec: CommandSpec = {
  usage: 'gt daemon jobs [--json]',
  description: 'List the scheduled jobs of settings/daemon.json with their last and next run.',
  options: { json: { type: 'boolean', description: 'print {daemon_running, paused, jobs: [...]} as JSON' } },
  details: [
    'Each job runs `gt <command...>` on its cron schedule (5 fields, or 6 with seconds first) while the',
    'daemon runs. A job never overlaps itself, is ended after its timeout, and is logged with its exit',
    'status, duration and output tail (gt daemon logs). Runs missed while the daemon was down are not',
    'replayed: at most one catch-up run at start. Under ESTOP and gt down no job starts.',
    'settings/daemon.json: "jobs": [{"name", "schedule", "command": [...], "enabled", "timeout",',
    '"kill_grace", "timezone", "catch_up"}], "jobs_timezone". Reload with kill -HUP "$(gt daemon pid)".',
  ].join('\n'),
};

export async function run(ctx: CommandContext): Promise<number> {
  const { listJobs } = await import('../../daemon/jobs/list.js');
  const report = await listJobs(townLayout(ctx.town()));
  if (ctx.json) {
    printJson(report);
    return 0;
  }
  if (report.jobs.length === 0) {
    ctx.out('no jobs in settings/daemon.json');
    return 0;
  }
  if (!report.daemon_running) ctx.out('the daemon is not running: no job runs until it starts (gt daemon start)');
  else if (report.paused) ctx.out(`jobs paused: ${report.paused}`);
  const rows = [['NAME', 'SCHEDULE', 'COMMAND', 'LAST RUN', 'RESULT', 'NEXT RUN']];
  for (const j of report.jobs) {
    const last = j.running
      ? [`${j.running.started_at}`, `running (pid ${j.running.pid ?? '?'})`]
      : j.last_run
        ? [j.last_run.started_at, `${j.last_run.outcome}, ${(j.last_run.duration_ms ?? 0) / 1000}s`]
        : ['-', '-'];
    const next = j.blocked && j.blocked !== 'the daemon is not running' ? `(${j.blocked})` : (j.next_run ?? '-');
    rows.push([j.name, j.schedule, `gt ${j.command.join(' ')}`, ...last, next]);
  }
  for (const l of table(rows)) ctx.out(l);
  return 0;
}

import { z } from 'zod';
import { durationMs, nameSchema } from './schema-helpers.js';
import { readJsonFile } from './load.js';

/**
 * settings/daemon.json: which patrols the daemon runs, scheduled jobs and extra env for agents.
 * Cron expressions are checked for shape here (5 or 6 fields; 6 = with seconds first); the daemon
 * validates them fully with the cron library when it schedules them (internal/daemon/jobs/).
 */

const patrolSchema = z.object({ enabled: z.boolean().prefault(true) }).strict().prefault({});

/** An IANA time zone name that this Node knows (Intl is the same source the cron library's luxon uses). */
const timeZoneSchema = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'expected an IANA time zone such as "UTC" or "Europe/Berlin"');

const cronField = /^[\d*/,\-?LW#A-Za-z]+$/;

export const jobSchema = z
  .object({
    name: nameSchema,
    schedule: z.string().refine((s) => {
      const parts = s.trim().split(/\s+/);
      return (parts.length === 5 || parts.length === 6) && parts.every((p) => cronField.test(p));
    }, 'expected a cron expression with 5 or 6 fields, e.g. "*/10 * * * *"'),
    command: z.array(z.string()).min(1, 'expected gt arguments, e.g. ["mq", "process", "myrig"]'),
    enabled: z.boolean().prefault(true),
    /** Longest one run may take: then its process group gets SIGTERM, and SIGKILL after `kill_grace`. */
    timeout: durationMs.prefault('10m'),
    kill_grace: durationMs.prefault('5s'),
    /** IANA zone the schedule is read in (e.g. "Europe/Berlin"); default: jobs_timezone, else local. */
    timezone: timeZoneSchema.optional(),
    /** Run once at daemon start when a run was missed while the daemon was down (never more than once). */
    catch_up: z.boolean().prefault(true),
  })
  .strict();

export const daemonSettingsSchema = z
  .object({
    version: z.literal(1).prefault(1),
    patrols: z
      .object({
        deacon: patrolSchema,
        witness: patrolSchema,
        refinery: patrolSchema,
        boot: patrolSchema,
      })
      .strict()
      .prefault({}),
    jobs: z
      .array(jobSchema)
      .max(100, 'at most 100 jobs')
      .prefault([])
      .refine((jobs) => new Set(jobs.map((j) => j.name)).size === jobs.length, 'job names must be unique'),
    /** The zone every job's schedule is read in unless the job names its own; default: the daemon's local zone. */
    jobs_timezone: timeZoneSchema.optional(),
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name'), z.string()).prefault({}),
  })
  .strict();

export type DaemonSettings = z.output<typeof daemonSettingsSchema>;

export const DEFAULT_DAEMON_SETTINGS_FILE = {
  version: 1,
  patrols: {
    deacon: { enabled: true },
    witness: { enabled: true },
    refinery: { enabled: true },
    boot: { enabled: true },
  },
  jobs: [],
  env: {},
} as const;

export type JobSettings = z.output<typeof jobSchema>;

export function loadDaemonSettings(path: string): DaemonSettings {
  return readJsonFile(path, daemonSettingsSchema, { kind: 'config', label: 'settings/daemon.json', ifMissing: {} });
}

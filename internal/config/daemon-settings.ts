import { z } from 'zod';
import { nameSchema } from './schema-helpers.js';
import { readJsonFile } from './load.js';

/**
 * settings/daemon.json: which patrols the daemon runs, scheduled jobs and extra env for agents.
 * Cron expressions are checked for shape here (5 or 6 fields); the daemon validates them fully
 * with the cron library when it schedules them.
 */

const patrolSchema = z.object({ enabled: z.boolean().prefault(true) }).strict().prefault({});

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
    jobs: z.array(jobSchema).prefault([]),
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

export function loadDaemonSettings(path: string): DaemonSettings {
  return readJsonFile(path, daemonSettingsSchema, { label: 'settings/daemon.json', ifMissing: {} });
}

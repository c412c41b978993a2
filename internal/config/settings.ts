import { z } from 'zod';
import { durationMs, nameSchema, sizeBytes } from './schema-helpers.js';
import { readJsonFile } from './load.js';
import { ROLES } from './roles.js';

/**
 * settings/config.json (design section 5b). Every key is optional; the defaults below are the
 * documented ones and are also what `gt install` writes from templates/settings/config.json.
 */

const runtimeSchema = z
  .object({
    command: z.string().min(1, 'expected the program to run, e.g. "claude"'),
    args: z.array(z.string()).prefault([]),
    process_names: z.array(z.string().min(1)).prefault([]),
    env: z.record(z.string(), z.string()).prefault({}),
  })
  .strict();

const roleSettingsSchema = z
  .object({
    agent: nameSchema.optional(),
    enabled: z.boolean().optional(),
  })
  .strict();

const positiveInt = z.number().int().positive();

export const settingsSchema = z
  .object({
    agent: nameSchema.prefault('claude'),
    agents: z.record(nameSchema, runtimeSchema).prefault({}),
    roles: z.partialRecord(z.enum(ROLES), roleSettingsSchema).prefault({}),
    daemon: z
      .object({
        recovery_interval: durationMs.prefault('3m'),
        log_max_size: sizeBytes.prefault('10MB'),
        log_keep: z.number().int().min(0).max(100).prefault(5),
        rig_timeout: durationMs.prefault('60s'),
      })
      .strict()
      .prefault({}),
    deacon: z
      .object({
        stale_after: durationMs.prefault('5m'),
        very_stale_after: durationMs.prefault('20m'),
        grace: durationMs.prefault('5m'),
        boot_cooldown: durationMs.prefault('2m'),
      })
      .strict()
      .prefault({}),
    agents_health: z
      .object({
        dead_after: durationMs.prefault('15m'),
        gupp_after: durationMs.prefault('30m'),
        spawning_grace: durationMs.prefault('5m'),
        startup_grace: durationMs.prefault('5s'),
      })
      .strict()
      .prefault({}),
    restart: z
      .object({
        initial_backoff: durationMs.prefault('30s'),
        multiplier: z.number().min(1).prefault(2),
        max_backoff: durationMs.prefault('10m'),
        crash_loop_count: positiveInt.prefault(5),
        crash_loop_window: durationMs.prefault('15m'),
        stable_after: durationMs.prefault('30m'),
      })
      .strict()
      .prefault({}),
    notify: z.object({ slot_max_age: durationMs.prefault('1h') }).strict().prefault({}),
    lifecycle: z.object({ max_age: durationMs.prefault('6h') }).strict().prefault({}),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.daemon.recovery_interval < 100) {
      ctx.addIssue({ code: 'custom', path: ['daemon', 'recovery_interval'], message: 'must be at least "100ms"' });
    }
    if (s.deacon.very_stale_after < s.deacon.stale_after) {
      ctx.addIssue({
        code: 'custom',
        path: ['deacon', 'very_stale_after'],
        message: 'must not be shorter than deacon.stale_after',
      });
    }
  });

export type Settings = z.output<typeof settingsSchema>;
export type RuntimeSettings = z.output<typeof runtimeSchema>;

export const SETTINGS_FILE_LABEL = 'settings/config.json';

/** The documented defaults, as a person would write them (what `gt install` writes). */
export const DEFAULT_SETTINGS_FILE = {
  agent: 'claude',
  agents: {},
  roles: {},
  daemon: { recovery_interval: '3m', log_max_size: '10MB', log_keep: 5, rig_timeout: '60s' },
  deacon: { stale_after: '5m', very_stale_after: '20m', grace: '5m', boot_cooldown: '2m' },
  agents_health: { dead_after: '15m', gupp_after: '30m', spawning_grace: '5m', startup_grace: '5s' },
  restart: {
    initial_backoff: '30s',
    multiplier: 2,
    max_backoff: '10m',
    crash_loop_count: 5,
    crash_loop_window: '15m',
    stable_after: '30m',
  },
  notify: { slot_max_age: '1h' },
  lifecycle: { max_age: '6h' },
} as const;

/** Load settings/config.json; a missing file means all defaults. Throws ConfigError. */
export function loadSettings(path: string): Settings {
  return readJsonFile(path, settingsSchema, { label: SETTINGS_FILE_LABEL, ifMissing: {} });
}

import { z } from 'zod';
import { durationMs, nameSchema, processNameSchema, sizeBytes } from './schema-helpers.js';
import { readJsonFile } from './load.js';
import { ROLES, RUNTIME_PRESETS } from './roles.js';

/**
 * settings/config.json (design section 5b). Every key is optional; the defaults below are the
 * documented ones and are also what `gt install` writes from templates/settings/config.json.
 */

/**
 * `agents.<name>`: a custom runtime, or adjustments to a preset of the same name (claude, codex,
 * gemini, opencode, sim). For a preset, `command` replaces the program (keeping the preset's
 * behaviour: hooks, priming, updater switches), `args` and `process_names` are added to the
 * preset's, `env` is laid over its env.
 */
const runtimeSchema = z
  .object({
    command: z.string().min(1, 'expected the program to run, e.g. "claude"').optional(),
    args: z.array(z.string()).prefault([]),
    process_names: z.array(processNameSchema).max(64).prefault([]),
    env: z.record(z.string(), z.string()).prefault({}),
    /** Presets: "bypass" runs the CLI without permission prompts (the default), "ask" lets it ask. */
    permissions: z.enum(['bypass', 'ask']).optional(),
    /** Presets that can: a restart resumes the agent's last conversation instead of a fresh, re-primed one. */
    restart: z.object({ resume: z.boolean().prefault(false) }).strict().optional(),
  })
  .strict();

const roleSettingsSchema = z
  .object({
    agent: nameSchema.optional(),
    enabled: z.boolean().optional(),
  })
  .strict();

const positiveInt = z.number().int().positive();

/** Polecats alive at once per rig and town-wide unless settings say otherwise (beyond: gt sling queues). */
export const DEFAULT_RIG_MAX_POLECATS = 4;
export const DEFAULT_TOWN_MAX_POLECATS = 12;

/** An http(s) URL; anything else (file:, javascript:, a typo) is refused when the file is read. */
const httpUrl = z.string().refine((u) => {
  try {
    const p = new URL(u).protocol;
    return p === 'http:' || p === 'https:';
  } catch {
    return false;
  }
}, 'expected an http:// or https:// URL');

const webhookSchema = z.union([
  httpUrl.transform((url) => ({ url, format: 'json' as const, headers: {} as Record<string, string> })),
  z
    .object({
      url: httpUrl,
      /** json: the event plus a `text` line (Slack-style and chat bridges); ntfy: ntfy's JSON publish form. */
      format: z.enum(['json', 'ntfy']).prefault('json'),
      /** The ntfy topic (format ntfy; the url is then the server's base URL). */
      topic: z.string().regex(/^[-_A-Za-z0-9]{1,64}$/, 'expected an ntfy topic name').optional(),
      headers: z.record(z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'expected an HTTP header name'), z.string().max(4096)).prefault({}),
    })
    .strict()
    .refine((w) => w.format !== 'ntfy' || w.topic !== undefined, { message: 'format "ntfy" needs a topic', path: ['topic'] }),
]);

/** How the person is told (internal/notify): a command, a webhook, or both; off when neither is set. */
const notifySchema = z
  .object({
    slot_max_age: durationMs.prefault('1h'),
    /** argv run without a shell; {title} {message} {kind} {severity} {agent} {town} are substituted; the event is JSON on stdin. */
    command: z.array(z.string()).min(1, 'expected a program and its arguments, e.g. ["notify-send", "{title}", "{message}"]').optional(),
    webhook: webhookSchema.optional(),
    /** Only these kinds (NEEDS_HUMAN, CRASH_LOOP, QUESTION, QUEUE_DRAINED, ...); default: all. */
    events: z.array(z.string().regex(/^[A-Z][A-Z0-9_]{0,63}$/, 'expected an event kind such as "CRASH_LOOP"')).optional(),
    /** Longest one delivery attempt may take. */
    timeout: durationMs.prefault('10s'),
    rate_limit: z.object({ count: positiveInt.prefault(10), per: durationMs.prefault('1m') }).strict().prefault({}),
    retry: z
      .object({ attempts: positiveInt.max(100).prefault(5), initial_backoff: durationMs.prefault('2s'), max_backoff: durationMs.prefault('5m') })
      .strict()
      .prefault({}),
    queue_max: positiveInt.max(10_000).prefault(100),
  })
  .strict();

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
        /** "127.0.0.1:9464": serve GET /metrics (Prometheus text) there; null = off. */
        metrics_listen: z
          .string()
          .regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'expected "host:port", e.g. "127.0.0.1:9464"')
          .nullable()
          .prefault(null),
        /** metrics_listen may name a non-loopback address only when this is true. */
        metrics_allow_remote: z.boolean().prefault(false),
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
        /** How long an agent at a usage limit is left alone when its screen shows no reset time; then it is nudged once. */
        usage_limit_pause: durationMs.prefault('1h'),
      })
      .strict()
      .prefault({}),
    restart: z
      .object({
        // A death after a run at least this long is restarted at once (and is not a crash).
        min_uptime: durationMs.prefault('30s'),
        initial_backoff: durationMs.prefault('30s'),
        multiplier: z.number().min(1).prefault(2),
        max_backoff: durationMs.prefault('10m'),
        crash_loop_count: positiveInt.prefault(5),
        crash_loop_window: durationMs.prefault('15m'),
        stable_after: durationMs.prefault('30m'),
        /** After this many restarts in a row whose runs never reached working or idle, stop restarting and alert once. */
        max_without_progress: positiveInt.prefault(3),
      })
      .strict()
      .prefault({}),
    notify: notifySchema.prefault({}),
    lifecycle: z.object({ max_age: durationMs.prefault('6h') }).strict().prefault({}),
    /** Polecats town-wide: the cap over every rig, and when finished or idle ones are reaped. */
    polecats: z
      .object({
        max: positiveInt.prefault(DEFAULT_TOWN_MAX_POLECATS),
        idle_reap: durationMs.prefault('15m'),
        keep_done: z.boolean().prefault(false),
      })
      .strict()
      .prefault({}),
    /** Per rig: `rigs.<rig>.max_polecats` caps the polecats alive at once (more slings queue). */
    rigs: z.record(nameSchema, z.object({ max_polecats: positiveInt.prefault(DEFAULT_RIG_MAX_POLECATS) }).strict()).prefault({}),
  })
  .strict()
  .superRefine((s, ctx) => {
    for (const [name, rt] of Object.entries(s.agents)) {
      if (rt.command === undefined && !(RUNTIME_PRESETS as readonly string[]).includes(name)) {
        ctx.addIssue({ code: 'custom', path: ['agents', name, 'command'], message: `missing (required for a runtime that is not a preset: ${RUNTIME_PRESETS.join(', ')})` });
      }
    }
    if (s.daemon.recovery_interval < 100) {
      ctx.addIssue({ code: 'custom', path: ['daemon', 'recovery_interval'], message: 'must be at least "100ms"' });
    }
    const listen = s.daemon.metrics_listen;
    if (listen !== null && !s.daemon.metrics_allow_remote && !isLoopbackHost(listen.slice(0, listen.lastIndexOf(':')))) {
      ctx.addIssue({
        code: 'custom',
        path: ['daemon', 'metrics_listen'],
        message: 'must be a loopback address (127.0.0.1, [::1], localhost) unless daemon.metrics_allow_remote is true',
      });
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
export type NotifySettings = Settings['notify'];

/** 127.0.0.0/8, ::1 and localhost: where metrics may be served without metrics_allow_remote. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}
export type RuntimeSettings = z.output<typeof runtimeSchema>;

export const SETTINGS_FILE_LABEL = 'settings/config.json';

/** The documented defaults, as a person would write them (what `gt install` writes). */
export const DEFAULT_SETTINGS_FILE = {
  agent: 'claude',
  agents: {},
  roles: {},
  daemon: { recovery_interval: '3m', log_max_size: '10MB', log_keep: 5, rig_timeout: '60s', metrics_listen: null, metrics_allow_remote: false },
  deacon: { stale_after: '5m', very_stale_after: '20m', grace: '5m', boot_cooldown: '2m' },
  agents_health: { dead_after: '15m', gupp_after: '30m', spawning_grace: '5m', startup_grace: '5s', usage_limit_pause: '1h' },
  restart: {
    min_uptime: '30s',
    initial_backoff: '30s',
    multiplier: 2,
    max_backoff: '10m',
    crash_loop_count: 5,
    crash_loop_window: '15m',
    stable_after: '30m',
    max_without_progress: 3,
  },
  notify: {
    slot_max_age: '1h',
    timeout: '10s',
    rate_limit: { count: 10, per: '1m' },
    retry: { attempts: 5, initial_backoff: '2s', max_backoff: '5m' },
    queue_max: 100,
  },
  lifecycle: { max_age: '6h' },
  polecats: { max: DEFAULT_TOWN_MAX_POLECATS, idle_reap: '15m', keep_done: false },
  rigs: {},
} as const;

/** The cap on polecats alive at once in `rig` (rigs.<rig>.max_polecats, default 4). */
export function rigMaxPolecats(s: Settings, rig: string): number {
  return s.rigs[rig]?.max_polecats ?? DEFAULT_RIG_MAX_POLECATS;
}

/** Load settings/config.json; a missing file means all defaults. Throws ConfigError. */
export function loadSettings(path: string): Settings {
  return readJsonFile(path, settingsSchema, { kind: 'config', label: SETTINGS_FILE_LABEL, ifMissing: {} });
}

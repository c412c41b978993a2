import { z } from 'zod';
import { ROLES, type Role } from '../config/roles.js';
import { durationMs } from '../config/schema-helpers.js';
import { parseWith } from '../config/load.js';
import { InvalidInputError } from '../errors.js';
import { SESSION_NAME_RE } from '../names.js';
import { identity, isTownRole, sessionName } from '../session/names.js';

/**
 * The sim's configuration, all from the environment a session starts with (roleEnv sets the GT_*
 * variables) plus GT_SIM_* knobs that make it misbehave on purpose for tests:
 *
 *   GT_SIM_HEARTBEAT_INTERVAL=5s   how often the heartbeat file is refreshed
 *   GT_SIM_EXIT_CODE=N             exit at once with status N (a command that dies on start)
 *   GT_SIM_CRASH_AFTER=30s         exit 1 after that long (a crash)
 *   GT_SIM_HANG=1 | <duration>     stop heartbeating and answering input (at once, after the
 *                                  first heartbeat, or after <duration>); the process stays up
 *   GT_SIM_IGNORE_SIGHUP=1         survive the SIGHUP a closing tmux pane sends
 *   GT_SIM_SETSID_CHILD=1          fork a child in its own session (setsid) that ignores SIGHUP
 *                                  and sleeps; its pid goes into the heartbeat file as child_pid
 *   GT_SIM_CHILD_LIFETIME=30m      safety cap: that child exits by itself after this long
 */

const flag = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', ''])
  .optional()
  .transform((v) => v === '1' || v === 'true' || v === 'yes');

const envSchema = z.object({
  GT_ROLE: z.enum(ROLES).optional(),
  GT_RIG: z.string().optional(),
  GT_POLECAT: z.string().optional(),
  GT_CREW: z.string().optional(),
  GT_SESSION: z.string().regex(SESSION_NAME_RE, 'expected a session name (letters, digits, "-", "_")').optional(),
  GT_SIM_HEARTBEAT_INTERVAL: durationMs.optional(),
  GT_SIM_EXIT_CODE: z
    .string()
    .regex(/^\d{1,3}$/, 'expected an exit status 0-255')
    .transform(Number)
    .refine((n) => n <= 255, 'expected an exit status 0-255')
    .optional(),
  GT_SIM_CRASH_AFTER: durationMs.optional(),
  GT_SIM_HANG: z.string().optional(),
  GT_SIM_IGNORE_SIGHUP: flag,
  GT_SIM_SETSID_CHILD: flag,
  GT_SIM_CHILD_LIFETIME: durationMs.optional(),
});

export interface SimOptions {
  town: string;
  role?: Role;
  rig?: string;
  name?: string;
  identity: string;
  session: string;
  heartbeatIntervalMs: number;
  exitCode?: number;
  crashAfterMs?: number;
  /** undefined: never hang; 0: hang right after the first heartbeat; N: hang after N ms. */
  hangAfterMs?: number;
  ignoreSighup: boolean;
  setsidChild: boolean;
  childLifetimeMs: number;
}

export const DEFAULT_HEARTBEAT_INTERVAL_MS = 5_000;
export const DEFAULT_CHILD_LIFETIME_MS = 30 * 60_000;

/** Parse the sim's env. Throws ConfigError (bad knob) or InvalidInputError (no session name). */
export function simOptionsFromEnv(env: NodeJS.ProcessEnv, town: string): SimOptions {
  // Only our keys go through the schema: the rest of the environment is none of our business.
  const picked: Record<string, string> = {};
  for (const k of Object.keys(envSchema.shape)) {
    const v = env[k];
    if (v !== undefined) picked[k] = v;
  }
  const e = parseWith(envSchema, picked, 'environment');
  let hangAfterMs: number | undefined;
  if (e.GT_SIM_HANG !== undefined && e.GT_SIM_HANG !== '' && e.GT_SIM_HANG !== '0') {
    hangAfterMs = e.GT_SIM_HANG === '1' ? 0 : parseWith(durationMs, e.GT_SIM_HANG, 'environment GT_SIM_HANG');
  }
  const role = e.GT_ROLE;
  const rig = e.GT_RIG || undefined;
  const name = role === 'crew' ? e.GT_CREW || undefined : e.GT_POLECAT || undefined;
  let id = 'sim';
  if (role) id = identity(role, { rig, name });
  let session = e.GT_SESSION;
  if (session === undefined && role && isTownRole(role)) session = sessionName(role);
  if (session === undefined) {
    throw new InvalidInputError(
      'gt sim: GT_SESSION is not set, so the heartbeat file has no name',
      'start the sim through gt (which sets it), or set GT_SESSION yourself',
    );
  }
  return {
    town,
    role,
    rig,
    name,
    identity: id,
    session,
    heartbeatIntervalMs: e.GT_SIM_HEARTBEAT_INTERVAL ?? DEFAULT_HEARTBEAT_INTERVAL_MS,
    exitCode: e.GT_SIM_EXIT_CODE,
    crashAfterMs: e.GT_SIM_CRASH_AFTER,
    hangAfterMs,
    ignoreSighup: e.GT_SIM_IGNORE_SIGHUP,
    setsidChild: e.GT_SIM_SETSID_CHILD,
    childLifetimeMs: e.GT_SIM_CHILD_LIFETIME ?? DEFAULT_CHILD_LIFETIME_MS,
  };
}

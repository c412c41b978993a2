import type { Role } from '../config/roles.js';
import { InvalidInputError } from '../errors.js';
import { assertEnvName } from '../names.js';
import { assertShellSafe } from '../tmux/quote.js';
import { identity, isTownRole, sessionName, assertRole } from './names.js';

export interface RoleEnvOptions {
  /** The town root (absolute). */
  town: string;
  role: Role;
  /** Rig name, for rig roles. */
  rig?: string;
  /** The rig's bead prefix, for rig roles (gives GT_SESSION). */
  prefix?: string;
  /** Polecat or crew name. */
  name?: string;
  /**
   * Extra env with lower precedence than gt's own variables: the runtime's `env`, the role's
   * `env`, settings/daemon.json `env`. Later entries win over earlier ones.
   */
  extra?: ReadonlyArray<Readonly<Record<string, string>>>;
}

/** Variables gt sets itself; extra env may not override them (an agent must not spoof its identity). */
export const GT_ENV_KEYS = ['GT_TOWN_ROOT', 'GT_ROLE', 'GT_RIG', 'GT_POLECAT', 'GT_CREW', 'GT_SESSION', 'BD_ACTOR', 'GIT_AUTHOR_NAME'] as const;

/**
 * The environment an agent session starts with (design section 7):
 * GT_TOWN_ROOT, GT_ROLE, GT_SESSION, BD_ACTOR (= identity), GIT_AUTHOR_NAME, plus GT_RIG for rig
 * roles, GT_POLECAT for polecats and GT_CREW for crew. Crew is a person's own workspace, so its
 * git author is the crew member's name; every other role commits as its identity.
 */
export function roleEnv(opts: RoleEnvOptions): Record<string, string> {
  const role = assertRole(opts.role);
  if (!opts.town.startsWith('/')) throw new InvalidInputError(`town root must be an absolute path (got ${JSON.stringify(opts.town)})`);
  assertShellSafe(opts.town, 'town root');
  const id = identity(role, opts);
  const env: Record<string, string> = {};
  for (const layer of opts.extra ?? []) {
    for (const [k, v] of Object.entries(layer)) {
      assertEnvName(k);
      assertShellSafe(v, `environment value of ${k}`);
      env[k] = v;
    }
  }
  for (const k of GT_ENV_KEYS) delete env[k];
  env.GT_TOWN_ROOT = opts.town;
  env.GT_ROLE = role;
  env.BD_ACTOR = id;
  env.GIT_AUTHOR_NAME = role === 'crew' ? opts.name! : id;
  if (!isTownRole(role)) env.GT_RIG = opts.rig!;
  if (role === 'polecat') env.GT_POLECAT = opts.name!;
  if (role === 'crew') env.GT_CREW = opts.name!;
  // The session name comes from the rig's prefix; the sim needs it (GT_SESSION) to name its heartbeat file.
  if (!isTownRole(role) && opts.prefix === undefined) {
    throw new InvalidInputError(`the rig prefix is required for a ${role}'s environment (it names the session)`);
  }
  env.GT_SESSION = sessionName(role, opts);
  return env;
}

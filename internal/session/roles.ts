import { readTextBounded } from '../fsx/read.js';
import { join } from 'node:path';
import { z } from 'zod';
import { ROLES, type Role } from '../config/roles.js';
import { readJsonFile } from '../config/load.js';
import { packageRoot } from '../fsx/package-root.js';
import { ConfigError, messageOf } from '../errors.js';
import { ROLE_PATTERNS, assertRole } from './names.js';
import { ENV_NAME_RE } from '../names.js';

/**
 * roles/<role>/role.json: what a role is, shipped with gt (read from the package root, never
 * from the town). The naming patterns must agree with ROLE_PATTERNS in names.ts, which the hot
 * paths use; the loader refuses a definition that disagrees so an edit cannot silently fork them.
 */
export const roleDefSchema = z
  .object({
    name: z.enum(ROLES),
    scope: z.enum(['town', 'rig']),
    description: z.string().min(1),
    /** tmux session name pattern; placeholders {prefix} (rig bead prefix) and {name}. */
    session: z.string().min(1),
    /** identity pattern; placeholders {rig} and {name}. */
    identity: z.string().min(1),
    /** working directory relative to the town root; placeholders {rig} and {name}. */
    workdir: z.string().min(1),
    /** The daemon keeps this role's sessions alive (starts them when missing, restarts them). */
    supervised: z.boolean(),
    /**
     * Started for one job and expected to exit by itself (boot: the deacon's triage watchdog,
     * spawned with a cooldown). Its exit is not a crash and is not restarted.
     */
    short_lived: z.boolean().prefault(false),
    /** Extra environment for the role's sessions, below gt's own variables in precedence. */
    env: z.record(z.string().regex(ENV_NAME_RE, 'expected an environment variable name'), z.string()).prefault({}),
    /**
     * The prompt an agent CLI is started with: it starts the role's loop (placeholders as in the
     * instructions). A role without one (crew, a person's workspace) starts at an empty prompt.
     */
    first_prompt: z.string().min(1).optional(),
    /** The Markdown file (in the role's folder) `gt prime` fills in and prints. */
    instructions: z.string().regex(/^[\w.-]+\.md$/, 'expected a Markdown file name in the role folder').prefault('instructions.md'),
  })
  .strict();

export type RoleDef = z.output<typeof roleDefSchema>;

export function rolesDir(root: string = packageRoot()): string {
  return join(root, 'roles');
}

export function roleDefFile(role: Role, root?: string): string {
  return join(rolesDir(root), role, 'role.json');
}

/** Read and validate one role definition. Throws ConfigError naming the file and field. */
export function loadRoleDef(role: Role, root?: string): RoleDef {
  assertRole(role);
  const label = `roles/${role}/role.json`;
  const def = readJsonFile(roleDefFile(role, root), roleDefSchema, { kind: 'config', label });
  if (def.name !== role) throw new ConfigError(label, 'name', `must be "${role}" (the folder name)`);
  const want = ROLE_PATTERNS[role];
  for (const k of ['scope', 'session', 'identity', 'workdir'] as const) {
    if (def[k] !== want[k]) {
      throw new ConfigError(label, k, `must be ${JSON.stringify(want[k])} (gt's naming in internal/session/names.ts uses that)`);
    }
  }
  return def;
}

export function loadAllRoleDefs(root?: string): Record<Role, RoleDef> {
  const out = {} as Record<Role, RoleDef>;
  for (const r of ROLES) out[r] = loadRoleDef(r, root);
  return out;
}

/** The raw instructions Markdown of a role. */
export function loadInstructions(role: Role, root?: string): string {
  const def = loadRoleDef(role, root);
  const file = join(rolesDir(root), role, def.instructions);
  let r: ReturnType<typeof readTextBounded>;
  try {
    r = readTextBounded(file, { cap: 'config' });
  } catch (e) {
    throw new ConfigError(`roles/${role}/${def.instructions}`, undefined, `cannot read: ${messageOf(e)}`);
  }
  if (r.ok) return r.text;
  throw new ConfigError(`roles/${role}/${def.instructions}`, undefined, r.missing ? 'file is missing' : `invalid: ${r.invalid}`);
}

/** Values `gt prime` puts into {{placeholders}}. */
export interface InstructionVars {
  town: string;
  role: string;
  identity: string;
  session: string;
  rig?: string;
  name?: string;
  prefix?: string;
}

export const INSTRUCTION_PLACEHOLDERS = ['town', 'role', 'identity', 'session', 'rig', 'name', 'prefix'] as const;

/** Placeholders used in a text, for checks (tests make sure each is known and applies to the role). */
export function placeholdersIn(text: string): string[] {
  return [...new Set([...text.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]!))];
}

/**
 * Fill {{town}}, {{rig}}, {{name}}, {{identity}}, {{session}}, {{role}}, {{prefix}}.
 * Unknown placeholders are left as written so a typo shows up in the output instead of vanishing.
 */
export function renderInstructions(text: string, vars: InstructionVars): string {
  return text.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, key: string) => {
    if (!(INSTRUCTION_PLACEHOLDERS as readonly string[]).includes(key)) return whole;
    return vars[key as keyof InstructionVars] ?? '';
  });
}

import { ROLES, type Role } from '../config/roles.js';
import { InvalidInputError } from '../errors.js';
import { AGENT_NAME_HINT, AGENT_NAME_RE, PREFIX_HINT, PREFIX_RE, SESSION_NAME_RE } from '../names.js';

/**
 * Role <-> tmux session name <-> identity (design sections 1 and 4). Pure and zod-free: the
 * daemon's tick, tmux hooks and `gt status` call these on hot paths.
 *
 *   role      session                identity                  workdir (relative to the town)
 *   mayor     hq-mayor               mayor                     mayor
 *   deacon    hq-deacon              deacon                    deacon
 *   boot      hq-boot                boot                      deacon/dogs/boot
 *   witness   <prefix>-witness       <rig>/witness             <rig>/witness
 *   refinery  <prefix>-refinery      <rig>/refinery            <rig>/refinery/rig
 *   polecat   <prefix>-<name>        <rig>/polecats/<name>     <rig>/polecats/<name>
 *   crew      <prefix>-crew-<name>   <rig>/crew/<name>         <rig>/crew/<name>
 *
 * roles/<role>/role.json states the same patterns for people and tools; a unit test and the
 * role loader check that the two agree.
 */

/** Session prefix of the town-level roles; no rig may use it as its prefix. */
export const TOWN_SESSION_PREFIX = 'hq';

export const TOWN_ROLES = ['mayor', 'deacon', 'boot'] as const;
export type TownRole = (typeof TOWN_ROLES)[number];
/** Roles that need a name as well as a rig. */
export const NAMED_ROLES = ['polecat', 'crew'] as const;

export interface RolePatterns {
  scope: 'town' | 'rig';
  session: string;
  identity: string;
  workdir: string;
}

export const ROLE_PATTERNS: Readonly<Record<Role, RolePatterns>> = {
  mayor: { scope: 'town', session: 'hq-mayor', identity: 'mayor', workdir: 'mayor' },
  deacon: { scope: 'town', session: 'hq-deacon', identity: 'deacon', workdir: 'deacon' },
  boot: { scope: 'town', session: 'hq-boot', identity: 'boot', workdir: 'deacon/dogs/boot' },
  witness: { scope: 'rig', session: '{prefix}-witness', identity: '{rig}/witness', workdir: '{rig}/witness' },
  refinery: { scope: 'rig', session: '{prefix}-refinery', identity: '{rig}/refinery', workdir: '{rig}/refinery/rig' },
  polecat: { scope: 'rig', session: '{prefix}-{name}', identity: '{rig}/polecats/{name}', workdir: '{rig}/polecats/{name}' },
  crew: { scope: 'rig', session: '{prefix}-crew-{name}', identity: '{rig}/crew/{name}', workdir: '{rig}/crew/{name}' },
};

/** An agent named by its parts. `rig` for rig roles; `name` for polecat and crew. */
export interface AgentRef {
  role: Role;
  rig?: string;
  name?: string;
}

export function isRole(s: string): s is Role {
  return (ROLES as readonly string[]).includes(s);
}

export function isTownRole(role: Role): role is TownRole {
  return ROLE_PATTERNS[role].scope === 'town';
}

export function needsName(role: Role): boolean {
  return (NAMED_ROLES as readonly string[]).includes(role);
}

const NAME_HINT = AGENT_NAME_HINT;

export function assertRole(role: string): Role {
  if (!isRole(role)) throw new InvalidInputError(`unknown role ${JSON.stringify(role)}`, `use one of ${ROLES.join(', ')}`);
  return role;
}

export function assertAgentName(kind: string, value: string | undefined): string {
  if (value === undefined || value === '') throw new InvalidInputError(`${kind} name is required`, NAME_HINT);
  if (!AGENT_NAME_RE.test(value)) throw new InvalidInputError(`invalid ${kind} name ${JSON.stringify(value)}`, NAME_HINT);
  return value;
}

export function assertPrefix(prefix: string | undefined): string {
  if (prefix === undefined || !PREFIX_RE.test(prefix)) {
    throw new InvalidInputError(
      `invalid rig prefix ${JSON.stringify(prefix ?? '')}`,
      PREFIX_HINT,
    );
  }
  if (prefix === TOWN_SESSION_PREFIX) {
    throw new InvalidInputError(`rig prefix "${TOWN_SESSION_PREFIX}" is reserved for town sessions (hq-mayor, hq-deacon, hq-boot)`, 'pick another prefix');
  }
  return prefix;
}

export function assertSessionName(session: string): string {
  if (!SESSION_NAME_RE.test(session)) {
    throw new InvalidInputError(`invalid session name ${JSON.stringify(session)}`, 'session names use only letters, digits, "-" and "_" (at most 100)');
  }
  return session;
}

/**
 * A polecat's session is `<prefix>-<name>`, so some names would collide with the rig's other
 * sessions: "witness", "refinery" and anything starting with "crew-".
 */
export function assertPolecatName(name: string | undefined): string {
  const n = assertAgentName('polecat', name);
  if (n === 'witness' || n === 'refinery' || n.startsWith('crew-')) {
    throw new InvalidInputError(
      `polecat name ${JSON.stringify(n)} is reserved`,
      'its session name would collide with the rig\'s witness, refinery or crew sessions; pick another name',
    );
  }
  return n;
}

function nameFor(role: Role, name: string | undefined): string {
  return role === 'polecat' ? assertPolecatName(name) : assertAgentName(role, name);
}

function expand(pattern: string, vars: Record<string, string | undefined>): string {
  return pattern.replace(/\{(\w+)\}/g, (_, k: string) => {
    const v = vars[k];
    if (v === undefined) throw new InvalidInputError(`missing {${k}} for pattern ${pattern}`);
    return v;
  });
}

/** The tmux session name of an agent. Throws InvalidInputError for anything not safe. */
export function sessionName(role: Role, opts: { prefix?: string; name?: string } = {}): string {
  assertRole(role);
  const p = ROLE_PATTERNS[role];
  const vars: Record<string, string | undefined> = {};
  if (p.scope === 'rig') vars.prefix = assertPrefix(opts.prefix);
  if (needsName(role)) vars.name = nameFor(role, opts.name);
  return assertSessionName(expand(p.session, vars));
}

/** The identity string of an agent (mail address, BD_ACTOR). */
export function identity(role: Role, opts: { rig?: string; name?: string } = {}): string {
  assertRole(role);
  const p = ROLE_PATTERNS[role];
  const vars: Record<string, string | undefined> = {};
  if (p.scope === 'rig') vars.rig = assertAgentName('rig', opts.rig);
  if (needsName(role)) vars.name = nameFor(role, opts.name);
  return expand(p.identity, vars);
}

/** The agent's working directory, relative to the town root (design section 3). */
export function workdir(role: Role, opts: { rig?: string; name?: string } = {}): string {
  assertRole(role);
  const p = ROLE_PATTERNS[role];
  const vars: Record<string, string | undefined> = {};
  if (p.scope === 'rig') vars.rig = assertAgentName('rig', opts.rig);
  if (needsName(role)) vars.name = nameFor(role, opts.name);
  return expand(p.workdir, vars);
}

/**
 * Every identity form gt mail, gt nudge and lifecycle requests produce:
 * `mayor`, `mayor/`, `deacon`, `deacon/`, `boot`, `boot/`, `<rig>/witness`, `<rig>/refinery`,
 * `<rig>/polecats/<name>`, `<rig>/crew/<name>`, and the short `<rig>/<name>` for a polecat.
 * Surrounding whitespace is ignored; anything else is an InvalidInputError.
 */
export function parseIdentity(input: string): AgentRef {
  const s = input.trim();
  const bad = (why: string) =>
    new InvalidInputError(
      `invalid agent identity ${JSON.stringify(input)}: ${why}`,
      'expected mayor, deacon, boot, <rig>/witness, <rig>/refinery, <rig>/polecats/<name>, <rig>/crew/<name> or <rig>/<polecat>',
    );
  const town = /^(mayor|deacon|boot)\/?$/.exec(s);
  if (town) return { role: town[1] as TownRole };
  const parts = s.split('/');
  const rig = parts[0];
  if (rig === undefined || !AGENT_NAME_RE.test(rig)) throw bad('not a known form');
  if (parts.length === 2) {
    const what = parts[1]!;
    if (what === 'witness' || what === 'refinery') return { role: what, rig };
    if (what === 'polecats' || what === 'crew') throw bad(`missing the name after ${what}/`);
    if (!AGENT_NAME_RE.test(what)) throw bad('invalid polecat name');
    return { role: 'polecat', rig, name: what };
  }
  if (parts.length === 3) {
    const [, kind, name] = parts as [string, string, string];
    if (!AGENT_NAME_RE.test(name)) throw bad('invalid name');
    if (kind === 'polecats') return { role: 'polecat', rig, name };
    if (kind === 'crew') return { role: 'crew', rig, name };
  }
  throw bad('not a known form');
}

/** The canonical identity of a reference (validates every part). */
export function identityOf(ref: AgentRef): string {
  return identity(ref.role, ref);
}

/**
 * The agent a session name belongs to, given the town's rigs as prefix -> rig name.
 * Undefined for sessions that are not gt's (unknown prefix, bad shape).
 */
export function parseSessionName(session: string, rigsByPrefix: Readonly<Record<string, string>>): AgentRef | undefined {
  if (!SESSION_NAME_RE.test(session)) return undefined;
  const dash = session.indexOf('-');
  if (dash <= 0) return undefined;
  const prefix = session.slice(0, dash);
  const rest = session.slice(dash + 1);
  if (prefix === TOWN_SESSION_PREFIX) {
    return rest === 'mayor' || rest === 'deacon' || rest === 'boot' ? { role: rest } : undefined;
  }
  const rig = Object.prototype.hasOwnProperty.call(rigsByPrefix, prefix) ? rigsByPrefix[prefix] : undefined;
  if (rig === undefined) return undefined;
  if (rest === 'witness' || rest === 'refinery') return { role: rest, rig };
  if (rest.startsWith('crew-')) {
    const name = rest.slice('crew-'.length);
    return AGENT_NAME_RE.test(name) ? { role: 'crew', rig, name } : undefined;
  }
  return AGENT_NAME_RE.test(rest) ? { role: 'polecat', rig, name: rest } : undefined;
}

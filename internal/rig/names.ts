import { InvalidInputError } from '../errors.js';
import { AGENT_NAME_HINT, AGENT_NAME_RE, PREFIX_RE } from '../names.js';
import { TOWN_SESSION_PREFIX } from '../session/names.js';
import { MESSAGE_PREFIX } from '../ledger/ids.js';

/**
 * Rig names become directories at the town root, so they must not collide with the town's own
 * directories and files (design section 3). Compared case-insensitively: on a case-insensitive
 * filesystem "Mayor" is "mayor".
 */
export const RESERVED_RIG_NAMES = ['mayor', 'settings', 'daemon', 'deacon', '.beads', '.runtime', 'estop', 'overseer', 'human'] as const;

/**
 * Prefixes no rig may take: `hq` names the town-level sessions and agent beads, `msg` is the
 * ledger's id namespace for mail (a rig with it would see messages as its beads).
 */
export const RESERVED_PREFIXES: readonly string[] = [TOWN_SESSION_PREFIX, MESSAGE_PREFIX];

const PREFIX_HINT = 'use 1-10 lowercase letters or digits, starting with a letter';

export function validateRigName(name: string): string {
  if (!AGENT_NAME_RE.test(name)) throw new InvalidInputError(`invalid rig name ${JSON.stringify(name)}`, AGENT_NAME_HINT);
  if ((RESERVED_RIG_NAMES as readonly string[]).includes(name.toLowerCase())) {
    throw new InvalidInputError(`rig name ${JSON.stringify(name)} is taken by the town itself`, `pick another name; reserved: ${RESERVED_RIG_NAMES.join(', ')}`);
  }
  return name;
}

/** The one rule for a bead prefix anyone may use (rig add, bead create --prefix): its form, and not reserved. */
export function validatePrefixForm(prefix: string): string {
  if (!PREFIX_RE.test(prefix)) throw new InvalidInputError(`invalid prefix ${JSON.stringify(prefix)}`, PREFIX_HINT);
  if (RESERVED_PREFIXES.includes(prefix)) throw new InvalidInputError(`prefix ${JSON.stringify(prefix)} is reserved`, `pick another with --prefix; reserved: ${RESERVED_PREFIXES.join(', ')}`);
  return prefix;
}

export function validatePrefix(prefix: string, inUse: ReadonlyMap<string, string>): string {
  validatePrefixForm(prefix);
  const owner = inUse.get(prefix);
  if (owner !== undefined) throw new InvalidInputError(`prefix ${JSON.stringify(prefix)} is already used by rig ${owner}`, 'pick another with --prefix P');
  return prefix;
}

/**
 * Candidate prefixes for a rig name, best first: the initials of its parts ("my-cool-app" ->
 * "mca"), then ever longer beginnings of the name ("gastown" -> "ga", "gas", ...), then those
 * with a digit. Every candidate matches PREFIX_RE.
 */
export function prefixCandidates(name: string): string[] {
  const parts = name
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  const letters = parts.join('').replace(/^[0-9]+/, '');
  const base = letters || 'r';
  const out: string[] = [];
  const add = (p: string) => {
    if (PREFIX_RE.test(p) && !out.includes(p)) out.push(p);
  };
  if (parts.length > 1) add(parts.map((p) => p[0]).join('').replace(/^[0-9]+/, '').slice(0, 10));
  for (let n = 2; n <= Math.min(10, base.length); n++) add(base.slice(0, n));
  if (base.length === 1) add(base);
  const stem = out[0] ?? base.slice(0, 2);
  for (let i = 2; i < 100; i++) add(`${stem.slice(0, 10 - String(i).length)}${i}`);
  return out;
}

/** The first candidate prefix not reserved and not used by another rig. */
export function derivePrefix(name: string, inUse: ReadonlyMap<string, string>): string {
  const p = prefixCandidates(name).find((c) => !RESERVED_PREFIXES.includes(c) && !inUse.has(c));
  if (!p) throw new InvalidInputError(`could not derive a free prefix for rig ${JSON.stringify(name)}`, 'give one with --prefix P');
  return p;
}

/** prefix -> rig name, for the uniqueness checks. */
export function prefixesInUse(rigs: Record<string, { prefix: string }>): Map<string, string> {
  return new Map(Object.entries(rigs).map(([name, r]) => [r.prefix, name]));
}

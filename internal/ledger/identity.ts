import { InvalidInputError } from '../errors.js';
import { ROLES } from '../config/roles.js';
import { sessionName } from '../session/names.js';
import { parseAddress, type Address } from './address.js';

/**
 * Who is calling gt, from the environment an agent session is started with
 * (GT_ROLE, GT_RIG, GT_POLECAT, GT_CREW). Outside a session there is no identity.
 */
export function identityFromEnv(env: NodeJS.ProcessEnv = process.env): Address | undefined {
  const role = env.GT_ROLE?.trim();
  if (!role) return undefined;
  // Tolerate GT_ROLE holding a full identity ("myrig/witness"): some launchers set it that way.
  if (role.includes('/')) return parseAddress(role);
  if (!(ROLES as readonly string[]).includes(role)) {
    throw new InvalidInputError(`GT_ROLE=${JSON.stringify(role)} is not a role`, `expected one of ${ROLES.join(', ')}`);
  }
  if (role === 'mayor' || role === 'deacon' || role === 'boot') return parseAddress(role);
  const rig = env.GT_RIG?.trim();
  if (!rig) throw new InvalidInputError(`GT_ROLE=${role} needs GT_RIG to say which rig`);
  if (role === 'witness' || role === 'refinery') return parseAddress(`${rig}/${role}`);
  if (role === 'polecat') {
    const name = env.GT_POLECAT?.trim();
    if (!name) throw new InvalidInputError('GT_ROLE=polecat needs GT_POLECAT (the polecat name)');
    return parseAddress(`${rig}/polecats/${name}`);
  }
  // crew: the member's name; GT_POLECAT is accepted too since launchers reuse it for "the name".
  const name = env.GT_CREW?.trim() || env.GT_POLECAT?.trim();
  if (!name) throw new InvalidInputError('GT_ROLE=crew needs GT_CREW (the crew member name)');
  return parseAddress(`${rig}/crew/${name}`);
}

/**
 * The agent bead id of an identity (design section 6): `hq-<role>` for town agents,
 * `<prefix>-<rig>-<role>[-<name>]` for rig agents. `prefix` is the rig's bead prefix.
 */
export function agentBeadId(who: Address, prefix?: string): string {
  if (who.rig === undefined) return `hq-${who.role}`;
  if (!prefix) throw new InvalidInputError(`agent ${who.address}: the rig's bead prefix is needed for its agent bead id`);
  return who.name === undefined ? `${prefix}-${who.rig}-${who.role}` : `${prefix}-${who.rig}-${who.role}-${who.name}`;
}

/**
 * The tmux session name of an identity (design section 4), from internal/session's one naming
 * rule; undefined for a rig agent whose prefix is unknown.
 */
export function defaultSessionName(who: Address, prefix?: string): string | undefined {
  if (who.rig !== undefined && !prefix) return undefined;
  return sessionName(who.role, { prefix, name: who.name });
}

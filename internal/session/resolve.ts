import type { Role } from '../config/roles.js';
import type { RigsFile } from '../config/town-files.js';
import { GtError, InvalidInputError } from '../errors.js';
import { identityOf, isTownRole, parseIdentity, parseSessionName, sessionName, workdir, type AgentRef } from './names.js';

/** An agent fully named: everything needed to find, start or address its session. */
export interface AgentSpec {
  role: Role;
  rig?: string;
  prefix?: string;
  name?: string;
  identity: string;
  session: string;
  /** Working directory relative to the town root. */
  workdir: string;
}

export function prefixesOf(rigs: RigsFile): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, r] of Object.entries(rigs.rigs)) out[r.prefix] = name;
  return out;
}

/** Complete a reference with its rig's prefix, session name and working directory. */
export function agentSpec(ref: AgentRef, rigs: RigsFile): AgentSpec {
  let prefix: string | undefined;
  if (!isTownRole(ref.role)) {
    const rig = ref.rig !== undefined ? rigs.rigs[ref.rig] : undefined;
    if (!rig) {
      const known = Object.keys(rigs.rigs);
      throw new GtError('NOT_FOUND', `no rig ${JSON.stringify(ref.rig)} in mayor/rigs.json`, {
        hint: known.length ? `known rigs: ${known.join(', ')}` : "add one with 'gt rig add <name> <repo>'",
      });
    }
    prefix = rig.prefix;
  }
  return {
    role: ref.role,
    ...(ref.rig !== undefined ? { rig: ref.rig } : {}),
    ...(prefix !== undefined ? { prefix } : {}),
    ...(ref.name !== undefined ? { name: ref.name } : {}),
    identity: identityOf(ref),
    session: sessionName(ref.role, { prefix, name: ref.name }),
    workdir: workdir(ref.role, ref),
  };
}

/**
 * What a person typed to name an agent: an identity (`deacon`, `myrig/witness`, `myrig/toast`,
 * `myrig/polecats/toast`, ...) or a session name (`hq-deacon`, `mr-witness`).
 */
export function resolveAgent(input: string, rigs: RigsFile): AgentSpec {
  const bySession = parseSessionName(input.trim(), prefixesOf(rigs));
  if (bySession) return agentSpec(bySession, rigs);
  try {
    return agentSpec(parseIdentity(input), rigs);
  } catch (e) {
    if (e instanceof InvalidInputError) {
      throw new InvalidInputError(
        `no agent ${JSON.stringify(input)}`,
        'name it as mayor, deacon, boot, <rig>/witness, <rig>/refinery, <rig>/<polecat>, <rig>/crew/<name>, or by session (hq-deacon)',
      );
    }
    throw e;
  }
}

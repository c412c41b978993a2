import type { Role } from '../config/roles.js';
import { townLayout, TOWN_FILES } from '../town/layout.js';
import { readRigs } from '../town/rigs.js';
import { GtError, UsageError } from '../errors.js';
import { identity, isTownRole, needsName, sessionName, assertRole, assertAgentName, assertSessionName, type AgentRef } from './names.js';
import { loadInstructions, renderInstructions } from './roles.js';

export interface Primed {
  role: Role;
  identity: string;
  session: string;
  rig?: string;
  name?: string;
  instructions: string;
}

/** The rig's bead prefix from mayor/rigs.json (sessions are named after it). */
export function rigPrefix(town: string, rig: string): string | undefined {
  const rigs = readRigs(townLayout(town));
  return Object.prototype.hasOwnProperty.call(rigs.rigs, rig) ? rigs.rigs[rig]!.prefix : undefined;
}

/**
 * Which agent `gt prime` is for: explicit --role/--rig/--name, else the session's env
 * (GT_ROLE, GT_RIG, GT_POLECAT / GT_CREW). Outside an agent session with no --role: UsageError.
 */
export function agentFromInputs(
  flags: { role?: string; rig?: string; name?: string },
  env: NodeJS.ProcessEnv,
): AgentRef & { fromEnv: boolean } {
  let ref: AgentRef;
  let fromEnv = false;
  if (flags.role !== undefined) {
    ref = { role: assertRole(flags.role), rig: flags.rig ?? (env.GT_RIG || undefined), name: flags.name };
  } else if (env.GT_ROLE) {
    fromEnv = true;
    const role = assertRole(env.GT_ROLE);
    ref = { role, rig: flags.rig ?? (env.GT_RIG || undefined), name: flags.name ?? ((role === 'crew' ? env.GT_CREW : env.GT_POLECAT) || undefined) };
  } else {
    throw new UsageError('gt prime: not inside an agent session (GT_ROLE is not set)', 'pass --role ROLE [--rig RIG] [--name NAME]');
  }
  if (!isTownRole(ref.role)) {
    if (ref.rig === undefined) throw new UsageError(`gt prime: role ${ref.role} needs a rig`, 'pass --rig RIG (or set GT_RIG)');
    assertAgentName('rig', ref.rig);
  } else {
    ref = { role: ref.role };
  }
  if (needsName(ref.role) && ref.name === undefined) {
    throw new UsageError(`gt prime: role ${ref.role} needs a name`, 'pass --name NAME');
  }
  if (!needsName(ref.role)) delete ref.name;
  return { ...ref, fromEnv };
}

/** The instructions for one agent, with the town's values filled in. */
export function prime(town: string, ref: AgentRef, opts: { sessionFromEnv?: string } = {}): Primed {
  const role = assertRole(ref.role);
  const id = identity(role, ref);
  let session: string;
  let prefix: string | undefined;
  if (isTownRole(role)) session = sessionName(role);
  else {
    prefix = rigPrefix(town, ref.rig!);
    if (prefix !== undefined) session = sessionName(role, { prefix, name: ref.name });
    else if (opts.sessionFromEnv) session = assertSessionName(opts.sessionFromEnv);
    else {
      throw new GtError('NOT_FOUND', `rig ${JSON.stringify(ref.rig)} is not in ${TOWN_FILES.rigsFile}`, {
        hint: "see 'gt rig list', or add it with 'gt rig add'",
      });
    }
  }
  const instructions = renderInstructions(loadInstructions(role), {
    town,
    role,
    identity: id,
    session,
    rig: ref.rig,
    name: ref.name,
    prefix,
  });
  return { role, identity: id, session, ...(ref.rig ? { rig: ref.rig } : {}), ...(ref.name ? { name: ref.name } : {}), instructions };
}

import { InvalidInputError } from '../errors.js';
import { parseIdentity, type AgentRef } from '../session/names.js';

/**
 * Mail addresses (agent identities). Kept zod-free and dependency-light: the CLI parses
 * addresses on every `gt mail` call and the daemon on every lifecycle request.
 *
 * Canonical forms (what is stored in the ledger):
 *   mayor/  deacon/  boot/
 *   <rig>/witness  <rig>/refinery  <rig>/polecats/<name>  <rig>/crew/<name>
 * Accepted on input as well: `mayor`, `deacon`, `boot` without the slash, a trailing slash on
 * rig forms, and the short `<rig>/<name>` meaning the polecat `<rig>/polecats/<name>`.
 *
 * Mail also reaches the person running the town: `overseer` (`human` is accepted for it). It is a
 * mail address, not an agent: parseAddress (agents) refuses it, parseMailAddress takes both.
 */

export type TownRole = 'mayor' | 'deacon' | 'boot';
export type RigRole = 'witness' | 'refinery' | 'polecat' | 'crew';

export type Address =
  | { role: TownRole; rig?: undefined; name?: undefined; address: string }
  | { role: 'witness' | 'refinery'; rig: string; name?: undefined; address: string }
  | { role: 'polecat' | 'crew'; rig: string; name: string; address: string };

export const ADDRESS_FORMS = [
  'mayor/',
  'deacon/',
  '<rig>/witness',
  '<rig>/refinery',
  '<rig>/polecats/<name>',
  '<rig>/crew/<name>',
  '<rig>/<name> (a polecat)',
  'overseer (the person)',
] as const;

/** Town-level words that can never be rig names in an address (they are directories of the town). */
const RESERVED_RIGS = new Set(['mayor', 'deacon', 'boot', 'human', 'overseer', 'polecats', 'crew', 'witness', 'refinery']);

/** The person's mail address: questions from agents, alerts, and mail sent to a human. */
export const OVERSEER = 'overseer';
/** Words that name the person on input; `overseer` is the canonical one. */
const PERSON_WORDS = new Set([OVERSEER, 'human']);

/** The person, as a mail address. Not an agent: no role, rig, session or agent bead. */
export interface PersonAddress {
  role: 'overseer';
  rig?: undefined;
  name?: undefined;
  address: typeof OVERSEER;
}

export type MailAddress = Address | PersonAddress;

function invalid(text: string, why?: string): InvalidInputError {
  return new InvalidInputError(
    `invalid address ${JSON.stringify(text)}${why ? `: ${why}` : ''}`,
    `valid forms: ${ADDRESS_FORMS.join(', ')}`,
  );
}

/**
 * Parse any accepted address form into its canonical identity; throws INVALID_INPUT naming the
 * forms. The grammar of identities is internal/session's (parseIdentity); an address adds the
 * canonical trailing slash of town roles, tolerates a trailing slash on input, and refuses town
 * words as rig names.
 */
export function parseAddress(text: string): Address {
  const t = text.trim();
  if (t === '') throw invalid(text, 'empty');
  const bare = t.length > 1 && t.endsWith('/') ? t.slice(0, -1) : t;
  const rig = bare.split('/')[0]!;
  if (bare.includes('/') && RESERVED_RIGS.has(rig)) throw invalid(text, `${JSON.stringify(rig)} is not a rig`);
  const second = bare.split('/')[1];
  if (bare.split('/').length === 2 && (second === 'polecats' || second === 'crew')) {
    throw invalid(text, `missing the ${second === 'crew' ? 'crew member' : 'polecat'} name`);
  }
  let ref: AgentRef;
  try {
    ref = parseIdentity(bare);
  } catch (e) {
    if (!(e instanceof InvalidInputError)) throw e;
    const why = /^invalid agent identity .*?: ([^:]+)$/.exec(e.message)?.[1];
    throw invalid(text, why);
  }
  switch (ref.role) {
    case 'mayor':
    case 'deacon':
    case 'boot':
      return { role: ref.role, address: `${ref.role}/` };
    case 'witness':
    case 'refinery':
      return { role: ref.role, rig: ref.rig!, address: `${ref.rig}/${ref.role}` };
    case 'polecat':
      return { role: 'polecat', rig: ref.rig!, name: ref.name!, address: `${ref.rig}/polecats/${ref.name}` };
    case 'crew':
      return { role: 'crew', rig: ref.rig!, name: ref.name!, address: `${ref.rig}/crew/${ref.name}` };
  }
}

/** Any mail address: an agent's (parseAddress) or the person's (`overseer`, `human`, with or without a trailing slash). */
export function parseMailAddress(text: string): MailAddress {
  const t = text.trim();
  if (PERSON_WORDS.has(t.endsWith('/') ? t.slice(0, -1) : t)) return { role: 'overseer', address: OVERSEER };
  return parseAddress(text);
}

export function isPerson(a: MailAddress): a is PersonAddress {
  return a.role === 'overseer';
}

/** The canonical string of a mail address (agent or person); throws INVALID_INPUT for an unknown form. */
export function canonicalAddress(text: string): string {
  return parseMailAddress(text).address;
}

/** Who sends from outside any agent session: the person, `overseer`. */
export const HUMAN_SENDER = OVERSEER;

/** A `from` value: a canonical mail address (`human` is read as `overseer`). */
export function canonicalSender(text: string): string {
  return canonicalAddress(text);
}

import { InvalidInputError } from '../errors.js';
import { NAME_RE } from '../config/schema-helpers.js';

/**
 * Mail addresses (agent identities). Kept zod-free and dependency-light: the CLI parses
 * addresses on every `gt mail` call and the daemon on every lifecycle request.
 *
 * Canonical forms (what is stored in the ledger):
 *   mayor/  deacon/  boot/
 *   <rig>/witness  <rig>/refinery  <rig>/polecats/<name>  <rig>/crew/<name>
 * Accepted on input as well: `mayor`, `deacon`, `boot` without the slash, a trailing slash on
 * rig forms, and the short `<rig>/<name>` meaning the polecat `<rig>/polecats/<name>`.
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
] as const;

/** Town-level words that can never be rig names in an address (they are directories of the town). */
const RESERVED_RIGS = new Set(['mayor', 'deacon', 'boot', 'human', 'polecats', 'crew', 'witness', 'refinery']);

function invalid(text: string, why?: string): InvalidInputError {
  return new InvalidInputError(
    `invalid address ${JSON.stringify(text)}${why ? `: ${why}` : ''}`,
    `valid forms: ${ADDRESS_FORMS.join(', ')}`,
  );
}

function checkName(text: string, value: string, what: string): string {
  if (!NAME_RE.test(value)) throw invalid(text, `${what} ${JSON.stringify(value)} must be letters, digits, "-" or "_"`);
  return value;
}

/** Parse any accepted address form into its canonical identity; throws INVALID_INPUT naming the forms. */
export function parseAddress(text: string): Address {
  const t = text.trim();
  if (t === '') throw invalid(text, 'empty');
  const bare = t.endsWith('/') ? t.slice(0, -1) : t;
  if (bare === 'mayor' || bare === 'deacon' || bare === 'boot') return { role: bare, address: `${bare}/` };
  const parts = bare.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === '')) throw invalid(text);
  const rig = checkName(text, parts[0]!, 'rig');
  if (RESERVED_RIGS.has(rig)) throw invalid(text, `${JSON.stringify(rig)} is not a rig`);
  if (parts.length === 2) {
    const second = parts[1]!;
    if (second === 'witness' || second === 'refinery') return { role: second, rig, address: `${rig}/${second}` };
    if (second === 'polecats' || second === 'crew') throw invalid(text, `missing the ${second === 'crew' ? 'crew member' : 'polecat'} name`);
    const name = checkName(text, second, 'polecat name');
    return { role: 'polecat', rig, name, address: `${rig}/polecats/${name}` };
  }
  const [, kind, last] = parts as [string, string, string];
  const name = checkName(text, last, 'name');
  if (kind === 'polecats') return { role: 'polecat', rig, name, address: `${rig}/polecats/${name}` };
  if (kind === 'crew') return { role: 'crew', rig, name, address: `${rig}/crew/${name}` };
  throw invalid(text, `unknown group ${JSON.stringify(kind)} (expected "polecats" or "crew")`);
}

/** The canonical string of an address; throws INVALID_INPUT for an unknown form. */
export function canonicalAddress(text: string): string {
  return parseAddress(text).address;
}

/** Senders outside any agent session. Not an inbox: nobody can mail a human through gt. */
export const HUMAN_SENDER = 'human';

/** A `from` value: a canonical address, or `human`. */
export function canonicalSender(text: string): string {
  if (text.trim() === HUMAN_SENDER) return HUMAN_SENDER;
  return canonicalAddress(text);
}

import type { DecideContext } from './context.js';
import { MAYOR, body, iso } from './messages.js';
import { slotKey, type SlotId } from './notify.js';
import type { ObservedAgent } from './observation.js';

/**
 * Blocked agents (issue 9): an agent at a screen only a person may answer (a trust dialog, a
 * login, an API-key confirmation, a permission prompt, ...), or one that reports it waits for a
 * person, is never restarted (not as stale, not as dead, not for GUPP) and never nudged: a
 * restart throws away the question, a keypress may answer it. The mayor gets one
 * `NEEDS_HUMAN: <agent>: <reason>` mail per episode and the person one notification (the
 * notifier, kind NEEDS_HUMAN); the episode ends when the agent is seen not blocked.
 *
 * A usage limit (reason `usage-limit`) is held the same way but told by the usage-limit rule,
 * never here: one mail per limit, from the rule that knows when it resets.
 */

/** The notifier's kind, and the subject prefix of the mail (stable API for the mayor's prompt). */
export const NEEDS_HUMAN = 'NEEDS_HUMAN';
export const USAGE_LIMIT_REASON = 'usage-limit';
/** A question asked with `gt ask` already reaches the person as a QUESTION notification. */
const QUESTION_REASON = 'question';

function needsHumanSlot(identity: string): SlotId {
  return { recipient: MAYOR, kind: 'needs-human', agent: identity };
}

/**
 * For an alive, managed agent: true when it is blocked, and then the caller applies no other
 * rule to it this tick. Tells the mayor (and the person) once per episode.
 */
export function holdBlocked(ctx: DecideContext, a: ObservedAgent): boolean {
  const b = a.blocked;
  if (!b || a.liveness !== 'alive') return false;
  if (b.reason === USAGE_LIMIT_REASON) return true;
  const id = a.spec.identity;
  const subject = `${NEEDS_HUMAN}: ${id}: ${b.reason}`;
  const what = b.screen ?? `it reports blocked: ${b.reason}`;
  // Infinity: one mail per episode however long it lasts; the slot clears when the episode ends.
  const told = ctx.once(
    needsHumanSlot(id),
    'blocked',
    (slot) => ({
      type: 'mail',
      to: MAYOR,
      subject,
      body: body({
        agent: id,
        reason: b.reason,
        screen: b.screen,
        source: b.source === 'screen' ? 'its screen' : 'its own report',
        session: a.spec.session,
        hook: a.bead?.hook_bead,
        answer: `gt attach ${id}`,
        time: iso(ctx.now),
      }),
      slot,
    }),
    Infinity,
  );
  if (told) {
    ctx.push({ type: 'log', level: 'warn', message: `${id} is blocked (${what}): not restarted or nudged until a person answers (gt attach ${id})` });
    if (b.reason !== QUESTION_REASON) {
      ctx.push({
        type: 'person',
        kind: NEEDS_HUMAN,
        key: id,
        title: subject,
        message: `${id} waits for a person: ${what}\nanswer it: gt attach ${id}`,
        severity: 'warning',
        about: id,
      });
    }
  }
  return true;
}

/**
 * Episodes that ended this tick: an agent seen (liveness known) that is no longer blocked. Runs
 * after every agent's rules and before decide clears the slots of conditions that ended.
 */
export function endBlockedEpisodes(ctx: DecideContext): void {
  for (const a of ctx.obs.agents) {
    if (a.liveness === 'unknown') continue;
    const key = slotKey(needsHumanSlot(a.spec.identity));
    if (!Object.hasOwn(ctx.notify.slots, key) || ctx.active.has(key)) continue;
    ctx.push({ type: 'log', level: 'info', message: `${a.spec.identity} is no longer blocked` });
    ctx.push({ type: 'person', kind: NEEDS_HUMAN, key: a.spec.identity, resolve: true });
  }
}

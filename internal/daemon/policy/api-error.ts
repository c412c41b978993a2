import type { DecideContext } from './context.js';
import { body, iso, supervisorOf } from './messages.js';
import type { ObservedAgent } from './observation.js';

/**
 * A turn that ended on an API error (the model server down, a 500, a dropped stream): the agent is
 * back at its prompt, alive and not restarted (a restart would not bring the server back), but
 * its work stopped, so the daemon names the error once per episode in its log and in an API_ERROR
 * mail to the agent's supervisor. The episode lasts while the agent's report carries the error
 * (its CLI's hook records it when the turn ends and drops it at the next event).
 * A usage limit (a 429) has its own rule.
 */
export function apiErrorAlert(ctx: DecideContext, a: ObservedAgent): void {
  const hb = a.heartbeat;
  if (a.liveness !== 'alive' || !hb?.error || hb.state !== 'idle') return;
  const id = a.spec.identity;
  const what = hb.message ? `${hb.message} (${hb.error})` : hb.error;
  const condition = `at:${hb.timestamp}`;
  ctx.logOnce('warn', 'api-error', id, condition, `${id}: its turn ended on an API error: ${what}; left at its prompt`);
  const to = supervisorOf(a.spec);
  ctx.mailOnce(
    to,
    'api-error',
    id,
    condition,
    `API_ERROR: ${id}: ${oneLine(hb.message ?? hb.error)}`,
    body({ agent: id, hook: a.bead?.hook_bead, session: a.spec.session, error: hb.error, message: hb.message, at: iso(hb.timestamp), time: iso(ctx.now) }),
  );
}

function oneLine(s: string): string {
  const l = s.replace(/\s+/g, ' ').trim();
  return l.length > 160 ? `${l.slice(0, 160)}…` : l;
}

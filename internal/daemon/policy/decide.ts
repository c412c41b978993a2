import type { Settings } from '../../config/settings.js';
import type { Action } from './actions.js';
import { decideAgent } from './agent-policy.js';
import { endBlockedEpisodes } from './blocked.js';
import { decideDispatch } from './dispatch.js';
import { decideReaps } from './reap.js';
import { DecideContext, type Wake } from './context.js';
import { decideLifecycle, isExpired } from './lifecycle.js';
import { clearSlot, pruneSlots, slotKey, type NotifyState, type SlotId } from './notify.js';
import type { Gates, Observation } from './observation.js';
import { decay, decaysAt, type AgentRestart, type RestartState } from './restart-tracker.js';

/**
 * decide(): the pure heart of the tick. Same inputs, same outputs; no clock, no files, no tmux.
 * It returns the actions for act, the next restart and notification states (new objects; the
 * inputs are left untouched), which the daemon persists after act, and the earliest future
 * instant at which any of its decisions could change (the daemon wakes then).
 */

export interface Decision {
  actions: Action[];
  restart: RestartState;
  notify: NotifyState;
  /** When to run decide again at the latest, had nothing else happened; null: no rule is waiting. */
  next: Wake | null;
}

const GATES: ReadonlyArray<{ key: keyof Gates; name: string; what: string }> = [
  { key: 'shutdownLock', name: 'shutdown-lock', what: 'daemon/shutdown.lock is held (gt down)' },
  { key: 'estop', name: 'estop', what: 'ESTOP is set (gt thaw to resume)' },
];

function gateSlot(name: string): SlotId {
  return { recipient: 'log', kind: `gate:${name}`, agent: '' };
}

export function decide(obs: Observation, cfg: Settings, restart: RestartState, notify: NotifyState): Decision {
  const ctx = new DecideContext(obs, cfg, restart, notify);

  // Gates first: while one is closed no agent is touched, and it is logged once per episode
  // (Infinity: a gate held for hours is still one episode).
  let closed = false;
  for (const g of GATES) {
    if (obs.gates[g.key]) {
      closed = true;
      ctx.logOnce('warn', `gate:${g.name}`, '', 'closed', `${g.what}: managing no agents`, Infinity);
    } else {
      ctx.clear(gateSlot(g.name));
    }
  }
  if (closed) return result(ctx);

  ctx.restart = decayAll(ctx, obs, cfg);

  const townWorkInFlight = obs.agents.some((a) => a.hookOpen) || obs.lifecycle.some((r) => !isExpired(ctx, r));
  const handled = decideLifecycle(ctx);
  for (const a of obs.agents) if (!handled.has(a.spec.identity)) decideAgent(ctx, a, { townWorkInFlight });
  // A polecat still inside its turn (its last words after gt done) is not cut off by reaping.
  const inTurn = new Set(obs.agents.filter((a) => a.liveness === 'alive' && a.heartbeat?.state === 'working').map((a) => a.spec.identity));
  if (obs.queue) decideDispatch(ctx, obs.queue, decideReaps(ctx, obs.queue, inTurn));

  endBlockedEpisodes(ctx);
  ctx.notify = settleSlots(ctx, obs, cfg);
  return result(ctx);
}

/** Always fresh top-level state objects, so a caller can never alias (and later mutate) its input. */
function result(ctx: DecideContext): Decision {
  return {
    actions: ctx.actions,
    restart: { version: 2, agents: { ...ctx.restart.agents } },
    notify: { version: 1, slots: { ...ctx.notify.slots } },
    next: ctx.next,
  };
}

/**
 * Decay every tracker (a crash loop ends after stable_after without a crash: a deadline), and
 * forget trackers of agents no longer observed once nothing in them matters any more.
 */
function decayAll(ctx: DecideContext, obs: Observation, cfg: Settings): RestartState {
  const observed = new Set(obs.agents.map((a) => a.spec.identity));
  const keepFor = Math.max(cfg.restart.stable_after, cfg.deacon.grace, cfg.agents_health.spawning_grace);
  const agents: Record<string, AgentRestart> = {};
  for (const [id, s] of Object.entries(ctx.restart.agents)) {
    const d = decay(s, obs.now, cfg.restart);
    const at = decaysAt(d, cfg.restart);
    if (d.crashLoop && at !== undefined && observed.has(id)) ctx.deadline(at, `${id} crash loop decays`);
    const idle = at === undefined && obs.now - d.lastStart >= keepFor;
    if (!observed.has(id) && idle) continue;
    agents[id] = d;
  }
  return { version: 2, agents };
}

/**
 * A slot whose condition did not hold this tick ends its episode (cleared, so the next episode
 * notifies again) — but only for agents we could see: an agent with unknown liveness keeps its
 * slots. Slots of agents that are gone are dropped once expired.
 */
function settleSlots(ctx: DecideContext, obs: Observation, cfg: Settings): NotifyState {
  const seen = new Set(obs.agents.filter((a) => a.liveness !== 'unknown').map((a) => a.spec.identity));
  let out = ctx.notify;
  for (const [key, slot] of Object.entries(out.slots)) {
    if (slot.kind.startsWith('gate:')) continue;
    if (seen.has(slot.agent) && !ctx.active.has(key)) out = clearSlot(out, key);
  }
  return pruneSlots(out, obs.now, cfg.notify.slot_max_age, (s) => s.kind.startsWith('gate:') || ctx.active.has(slotKey(s)));
}

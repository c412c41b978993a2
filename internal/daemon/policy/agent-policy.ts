import type { DecideContext } from './context.js';
import { body, formatDuration, iso, witnessOf } from './messages.js';
import type { ObservedAgent } from './observation.js';
import { tryStart } from './start.js';
import { bootTriage } from './boot.js';

/**
 * Per-agent policies (design section 5's table). Three questions stay separate: is the process
 * alive (liveness)? is it making progress (bead updated_at, heartbeat file)? does it have work in
 * flight (hookOpen)? Quiet without work in flight is idle, never a reason to act.
 */

/** The daemon looks after role sessions it supervises and polecats whose hook holds open work.
 * Crew sessions belong to people and boot is triage (TODO: boot), so neither is managed here. */
export function isManaged(a: ObservedAgent): boolean {
  return a.supervised || (a.spec.role === 'polecat' && a.hookOpen);
}

/** When the daemon last started the agent (persisted tracker or the observation), 0 if never. */
export function lastStartOf(ctx: DecideContext, a: ObservedAgent): number {
  return Math.max(ctx.tracker(a.spec.identity).lastStart, a.startedAt ?? 0);
}

/** The latest sign of progress; our own start counts, so a fresh start is never "stale". */
export function lastProgress(ctx: DecideContext, a: ObservedAgent): number {
  return Math.max(a.bead?.updated_at ?? 0, a.heartbeat?.timestamp ?? 0, lastStartOf(ctx, a));
}

function isWorking(a: ObservedAgent): boolean {
  return a.bead?.agent_state === 'working' || a.bead?.agent_state === 'running';
}

/** A polecat whose session is gone should come back, unless it finished or is still being spawned. */
function polecatWantsRestart(ctx: DecideContext, a: ObservedAgent): boolean {
  const state = a.bead?.agent_state;
  if (state === 'done' || state === 'nuked') return false;
  if (state === 'spawning') {
    const since = Math.max(a.bead?.updated_at ?? 0, lastStartOf(ctx, a));
    if (ctx.now - since < ctx.cfg.agents_health.spawning_grace) return false;
  }
  return true;
}

export interface AgentPolicyInput {
  /** Work in flight anywhere in the town: the deacon is only chased when something waits on it. */
  townWorkInFlight: boolean;
}

export function decideAgent(ctx: DecideContext, a: ObservedAgent, town: AgentPolicyInput): void {
  if (a.liveness === 'unknown') return;
  // A parked or docked rig gets no agents: whatever of it still runs is stopped, nothing started.
  if (a.rigInactive) {
    if (a.liveness === 'alive' || a.liveness === 'zombie') {
      ctx.push({ type: 'kill', agent: a.spec, reason: 'its rig is parked or docked', observed: a.liveness });
    }
    return;
  }
  if (!isManaged(a)) return;
  const id = a.spec.identity;
  const polecat = a.spec.role === 'polecat';

  if (a.liveness === 'dead' || a.liveness === 'zombie') {
    if (polecat && !polecatWantsRestart(ctx, a)) return;
    if (a.liveness === 'dead') tryStart(ctx, a, 'start', 'session missing');
    else tryStart(ctx, a, 'restart', 'agent process gone (zombie)');
    return;
  }

  // Alive. Circuit breaker: the bead says dead. A mark older than our last start was already
  // answered by that start, so it does not restart the agent again.
  if (a.bead?.agent_state === 'dead' && a.bead.updated_at >= lastStartOf(ctx, a)) {
    tryStart(ctx, a, 'restart', 'agent bead marked dead (circuit breaker)');
    return;
  }

  if (a.spec.role === 'deacon') {
    deaconHealth(ctx, a, town.townWorkInFlight || a.hookOpen);
    return;
  }

  const quiet = ctx.now - lastProgress(ctx, a);
  if (isWorking(a) && a.hookOpen && quiet >= ctx.cfg.agents_health.dead_after) {
    // Next tick the circuit breaker restarts it; marking first leaves a trace in the ledger.
    ctx.push({
      type: 'markDead',
      agent: a.spec,
      reason: `working with hooked work but no bead update or heartbeat for ${formatDuration(quiet)}`,
      observed: a.liveness,
      expectState: a.bead!.agent_state,
    });
    return;
  }

  if (polecat && a.hookOpen && quiet >= ctx.cfg.agents_health.gupp_after) {
    ctx.mailOnce(
      witnessOf(a.spec),
      'gupp',
      id,
      'no-progress',
      `GUPP_VIOLATION: ${id} has hooked work but no progress for ${formatDuration(quiet)}`,
      body({
        agent: id,
        hook: a.bead?.hook_bead,
        session: a.spec.session,
        state: a.bead?.agent_state,
        last_progress: iso(lastProgress(ctx, a)),
        time: iso(ctx.now),
      }),
    );
  }
}

/**
 * The deacon proves itself with deacon/heartbeat.json. Grace after our start: no staleness action
 * until it has beaten once or the grace ends. Staleness is measured from the later of its last
 * beat and our last start, so an hours-old file never condemns a freshly started deacon.
 */
function deaconHealth(ctx: DecideContext, a: ObservedAgent, workInFlight: boolean): void {
  const { stale_after, very_stale_after, grace } = ctx.cfg.deacon;
  const beat = ctx.obs.deaconHeartbeat?.timestamp ?? 0;
  const started = lastStartOf(ctx, a);
  if (started > 0 && ctx.now - started < grace && beat <= started) return;
  const last = Math.max(beat, started);
  const age = ctx.now - last;
  if (age < stale_after || !workInFlight) return;
  if (age >= very_stale_after) {
    tryStart(ctx, a, 'restart', `heartbeat very stale (${formatDuration(age)}) with work in flight`);
    return;
  }
  bootTriage(ctx, `deacon heartbeat stale for ${formatDuration(age)}`);
  // One nudge per stale episode: the episode is "stale since this last beat".
  const id = a.spec.identity;
  ctx.once({ recipient: id, kind: 'health-check', agent: id }, `last:${last}`, () => ({
    type: 'nudge',
    agent: a.spec,
    observed: a.liveness,
    text: `HEALTH_CHECK: no heartbeat for ${formatDuration(age)} and work is in flight. Run your patrol and refresh deacon/heartbeat.json.`,
  }));
}

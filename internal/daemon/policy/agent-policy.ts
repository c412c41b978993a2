import type { DecideContext } from './context.js';
import { body, formatDuration, iso, witnessOf } from './messages.js';
import type { ObservedAgent } from './observation.js';
import { recordDeath, recordRun, recordStop, sameRun } from './restart-tracker.js';
import { restartSick, tryStart } from './start.js';
import { bootTriage } from './boot.js';
import { holdBlocked } from './blocked.js';
import { noProgressAlert, noteProgress } from './no-progress.js';
import { decideUsageLimit, usageLimitDeath } from './usage-limit.js';
import { apiErrorAlert } from './api-error.js';

/**
 * Per-agent policies (design section 5's table). Three questions stay separate: is the process
 * alive (liveness)? is it making progress (bead updated_at, heartbeat file)? does it have work in
 * flight (hookOpen)? Quiet without work in flight is idle, never a reason to act. What the agent
 * is doing (working in a turn, idle at its prompt, blocked on a person) is what it reports in its
 * heartbeat file.
 */

/** The daemon looks after role sessions it supervises and polecats whose hook holds open work.
 * Crew sessions belong to people, and boot is started for triage only (boot.ts), so neither is
 * managed here. */
export function isManaged(a: ObservedAgent): boolean {
  return a.supervised || (a.spec.role === 'polecat' && a.hookOpen);
}

/**
 * When the agent's current run started: its real start when it is seen running (whoever started
 * it), else the daemon's latest start or attempt. 0 if never.
 */
export function lastStartOf(ctx: DecideContext, a: ObservedAgent): number {
  return a.run?.since ?? ctx.tracker(a.spec.identity).lastStart;
}

/** The latest sign of progress; a start counts, so a fresh start is never "stale". */
export function lastProgress(ctx: DecideContext, a: ObservedAgent): number {
  return Math.max(a.bead?.updated_at ?? 0, a.heartbeat?.timestamp ?? 0, lastStartOf(ctx, a));
}

type Activity = 'working' | 'waiting' | 'other';

/**
 * What the agent is doing, from its own report (its heartbeat file, read by the agent state
 * model) when it gives one: `working` (inside a turn, or still starting) is held to dead_after;
 * `idle` at its prompt is where work on its hook is a GUPP violation; `blocked` (waiting for a
 * person, or stuck) is neither. An agent that reports nothing is judged by its bead's state.
 */
function activityOf(a: ObservedAgent): Activity {
  const s = a.heartbeat?.state ?? a.bead?.agent_state;
  if (s === 'working' || s === 'running' || s === 'starting') return 'working';
  if (s === 'idle') return 'waiting';
  return 'other';
}

/** A polecat whose session is gone should come back, unless it finished or is still being spawned. */
function polecatWantsRestart(ctx: DecideContext, a: ObservedAgent): boolean {
  const state = a.bead?.agent_state;
  if (state === 'done' || state === 'nuked') return false;
  if (state === 'spawning') {
    const since = Math.max(a.bead?.updated_at ?? 0, lastStartOf(ctx, a));
    const ends = since + ctx.cfg.agents_health.spawning_grace;
    if (ctx.now < ends) {
      ctx.deadline(ends, `${a.spec.identity} spawning grace ends`);
      return false;
    }
  }
  return true;
}

export interface AgentPolicyInput {
  /** Work in flight anywhere in the town: the deacon is only chased when something waits on it. */
  townWorkInFlight: boolean;
}

/**
 * The run the daemon knows of, against what it sees now. Seen alive: this run is recorded (a new
 * one replaces one whose end was missed; that end is not counted). Seen dead or a zombie while a
 * run is recorded: the run died now, and its length decides what follows (tracker rules). The
 * record is persisted, so a death that happened while the daemon was down is noticed too.
 */
function trackRun(ctx: DecideContext, a: ObservedAgent): void {
  const id = a.spec.identity;
  const t = ctx.tracker(id);
  if (a.liveness === 'alive') {
    if (a.run && !(t.running && sameRun(t.running, a.run))) ctx.setTracker(id, recordRun(t, a.run));
    return;
  }
  if (!t.running || (a.liveness !== 'dead' && a.liveness !== 'zombie')) return;
  if (usageLimitDeath(ctx, a)) return;
  const state = a.bead?.agent_state;
  if (a.spec.role === 'polecat' && (state === 'done' || state === 'nuked')) {
    ctx.setTracker(id, recordStop(t, ctx.now, `finished (${state})`));
    return;
  }
  const d = recordDeath(t, { at: ctx.now, ranMs: ctx.now - t.running.since, ...a.exit }, ctx.cfg.restart);
  ctx.setTracker(id, d);
  const exit = d.lastExit!;
  const how = exit.status !== undefined ? ` (exit status ${exit.status})` : exit.signal !== undefined ? ` (signal ${exit.signal})` : '';
  const cfg = ctx.cfg.restart;
  let next: string;
  if (d.crashLoop && !t.crashLoop) next = `crash loop: ${cfg.crash_loop_count} short runs within ${formatDuration(cfg.crash_loop_window)}`;
  else if (!exit.crash) next = `ran at least ${formatDuration(cfg.min_uptime)}; restarting at once`;
  else if (d.backoffUntil === 0) next = 'first short run since its start; restarting at once';
  else next = `short run ${d.shortRuns} in a row; restart backoff until ${iso(d.backoffUntil)}`;
  ctx.push({ type: 'log', level: exit.crash ? 'warn' : 'info', message: `${id} died after ${formatDuration(exit.ranMs)}${how}: ${next}` });
}

export function decideAgent(ctx: DecideContext, a: ObservedAgent, town: AgentPolicyInput): void {
  const id = a.spec.identity;
  if (a.liveness === 'unknown') {
    // Still starting: look again when its startup grace ends (a zombie then, or alive).
    if (a.graceEnds !== undefined) ctx.deadline(a.graceEnds, `${id} startup grace ends`);
    return;
  }
  // A parked or docked rig gets no agents: whatever of it still runs is stopped (on purpose: not
  // a crash), nothing started.
  if (a.rigInactive) {
    if (a.liveness === 'alive' || a.liveness === 'zombie') {
      ctx.push({ type: 'kill', agent: a.spec, reason: 'its rig is parked or docked', observed: a.liveness });
      ctx.setTracker(id, recordStop(ctx.tracker(id), ctx.now, 'rig parked or docked'));
    }
    return;
  }
  if (!isManaged(a)) return;
  trackRun(ctx, a);
  noteProgress(ctx, a);
  const stall = ctx.tracker(id).stalled;
  if (stall) noProgressAlert(ctx, a, stall);
  // At a usage limit: left alone until it resets (no restart, no nudge), then woken once.
  if (decideUsageLimit(ctx, a)) return;
  apiErrorAlert(ctx, a);
  const polecat = a.spec.role === 'polecat';

  if (a.liveness === 'dead' || a.liveness === 'zombie') {
    if (polecat && !polecatWantsRestart(ctx, a)) return;
    if (a.liveness === 'dead') tryStart(ctx, a, 'start', 'session missing');
    else tryStart(ctx, a, 'restart', 'agent process gone (zombie)');
    return;
  }

  // Alive and waiting for a person: no restart, no nudge, whatever else holds (policy/blocked.ts).
  if (holdBlocked(ctx, a)) return;

  // Alive. Circuit breaker: the bead says dead. A mark older than the current run's start was
  // already answered by that start, so it does not restart the agent again.
  if (a.bead?.agent_state === 'dead' && a.bead.updated_at >= lastStartOf(ctx, a)) {
    restartSick(ctx, a, 'agent bead marked dead (circuit breaker)');
    return;
  }

  if (a.spec.role === 'deacon') {
    deaconHealth(ctx, a, town.townWorkInFlight || a.hookOpen);
    return;
  }
  if (!a.hookOpen) return;

  const progress = lastProgress(ctx, a);
  const quiet = ctx.now - progress;
  const activity = activityOf(a);
  const { dead_after, gupp_after } = ctx.cfg.agents_health;
  if (activity === 'working') {
    if (quiet < dead_after) {
      ctx.deadline(progress + dead_after, `${id} working without progress for ${formatDuration(dead_after)}`);
      return;
    }
    // Next tick the circuit breaker restarts it; marking first leaves a trace in the ledger.
    ctx.push({
      type: 'markDead',
      agent: a.spec,
      reason: `working on hooked work but no progress (bead, heartbeat, hook event) for ${formatDuration(quiet)}`,
      observed: a.liveness,
      expectState: a.bead?.agent_state ?? 'working',
    });
    return;
  }

  if (polecat && activity === 'waiting') {
    if (quiet < gupp_after) {
      ctx.deadline(progress + gupp_after, `${id} idle with hooked work for ${formatDuration(gupp_after)}`);
      return;
    }
    ctx.mailOnce(
      witnessOf(a.spec),
      'gupp',
      id,
      'idle-with-work',
      `GUPP_VIOLATION: ${id} has hooked work but has sat idle at its prompt for ${formatDuration(quiet)}`,
      body({
        agent: id,
        hook: a.bead?.hook_bead,
        session: a.spec.session,
        reported: a.heartbeat?.state,
        state: a.bead?.agent_state,
        last_progress: iso(progress),
        time: iso(ctx.now),
      }),
    );
  }
}

/**
 * The deacon proves itself with deacon/heartbeat.json. Grace after its start (its real start,
 * whoever started it): no staleness action until it has beaten once or the grace ends. Staleness
 * is measured from the later of its last beat and its start, so an hours-old file never condemns
 * a freshly started deacon.
 */
function deaconHealth(ctx: DecideContext, a: ObservedAgent, workInFlight: boolean): void {
  const { stale_after, very_stale_after, grace } = ctx.cfg.deacon;
  if (!workInFlight) return;
  const beat = ctx.obs.deaconHeartbeat?.timestamp ?? 0;
  const started = lastStartOf(ctx, a);
  if (started > 0 && ctx.now - started < grace && beat <= started) {
    ctx.deadline(started + grace, 'deacon grace ends');
    return;
  }
  const last = Math.max(beat, started);
  const age = ctx.now - last;
  if (age < stale_after) {
    ctx.deadline(last + stale_after, 'deacon heartbeat goes stale');
    return;
  }
  if (age >= very_stale_after) {
    restartSick(ctx, a, `heartbeat very stale (${formatDuration(age)}) with work in flight`);
    return;
  }
  ctx.deadline(last + very_stale_after, 'deacon heartbeat goes very stale');
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

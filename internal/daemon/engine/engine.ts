import { gtMainJs } from '../../agent/runtimes.js';
import type { Settings } from '../../config/settings.js';
import { messageOf } from '../../errors.js';
import { lockExclusive } from '../../fsx/flock.js';
import { bootEpochMs, processStartEpochMs } from '../../fsx/proc.js';
import { ensureHooks, type Tmux } from '../../tmux/index.js';
import type { TownLayout } from '../../town/layout.js';
import type { Logger } from '../logger.js';
import {
  agentRestart,
  decide,
  describeAction,
  loadNotifyState,
  loadRestartState,
  recordDeath,
  recordRun,
  release,
  reportStartFailure,
  saveNotifyState,
  saveRestartState,
  updateAgent,
  type RestartState,
  type Wake,
} from '../policy/index.js';
import { summarize, type AgentSummary, type StartResult } from '../policy/summary.js';
import { actAgents } from './act-agents.js';
import { withScreens } from './mail-screens.js';
import { actLedger } from './act-ledger.js';
import { LedgerHealth, type DegradedInfo } from './ledger-health.js';
import { observe, readTown } from './observe.js';
import { settleOutbox, withOutbox, withoutOutbox } from './outbox.js';
import { applyLedgerStatus } from '../policy/ledger-degraded.js';
import { actQueue } from './act-queue.js';
import { observeQueue } from './observe-queue.js';
import type { EngineView, Reporter } from './view.js';

/** What the daemon builds once (daemon/run.ts) and every tick uses. */
export interface EngineDeps {
  town: string;
  layout: TownLayout;
  tmux: Tmux;
  log: Logger;
  /** The current settings (SIGHUP may replace them between ticks). */
  settings: () => Settings;
  /** Epoch milliseconds that only move forward (engine/clock.ts); decide's `now`. */
  clock: () => number;
  /** Every applied action and tick, for control-socket subscribers. */
  emit?: (event: Record<string, unknown>) => void;
  /** Health window for started sessions (the default unless a bench or test shrinks it). */
  healthWindowMs?: number;
  /** An emergency stop the daemon holds in memory (ESTOP could not be written): the gate is closed. */
  estopHeld?: () => boolean;
}

/** The record of the ticks so far, for daemon/state.json. */
export interface TickStats {
  tickCount: number;
  /** When the last tick started (ISO). */
  lastTick: string | null;
  lastTickMs: number | null;
  lastTickActions: Record<string, number>;
}

export interface TickReport {
  tick: number;
  counts: Record<string, number>;
  /** A gate (gt down's lock, ESTOP) kept the tick from managing agents. */
  gated: boolean;
  /** The earliest instant a decision could change (decide's deadline, or at once after a failed start). */
  wake: Wake | null;
  /** Where each managed agent stands after the tick (what `gt up` reports). */
  agents: AgentSummary[];
  /** Time spent reading /proc in observe (bench/tick reports its share of the tick). */
  procMs: number;
  /** Why this tick did nothing at all (it could not take the restart state's lock). */
  skipped?: string;
}

export interface TickOptions {
  /** A person asked for the town to be up (`gt up`): agents stopped on purpose may start again. */
  releaseHeld?: boolean;
  /** The report counts agents whose run began at or after this time (epoch ms) as started. */
  startedSince?: number;
}


/** The argv tmux's pane-exited/session-closed hooks run to tell the daemon at once. */
export function notifyArgv(town: string): string[] {
  return [process.execPath, gtMainJs(), 'daemon', 'notify', '--town', town];
}

/**
 * The daemon's engine: one value holding what every tick needs, and the tick itself
 * (observe -> decide (pure) -> act, then persist the restart tracker and notification slots).
 */
export class Engine implements EngineView {
  readonly town: string;
  readonly layout: TownLayout;
  readonly tmux: Tmux;
  readonly log: Logger;
  readonly settings: () => Settings;
  readonly now: () => number;
  readonly healthWindowMs: number | undefined;
  readonly estopHeld: (() => boolean) | undefined;
  readonly stats: TickStats = { tickCount: 0, lastTick: null, lastTickMs: null, lastTickActions: {} };
  readonly ledgerHealth: LedgerHealth;
  private readonly emit: ((event: Record<string, unknown>) => void) | undefined;
  /** Problems already reported (file corrupt, bad runtime, ...): reported again only after they clear. */
  private readonly warned = new Set<string>();
  /** Fast path: which tmux server pid last got our death hooks. */
  private hookedServerPid: number | undefined;
  /** The town's tmux server as last seen (undefined: none running, or unknown). */
  serverPid: number | undefined;
  /** The dispatch queue's depth as last told to subscribers ({type: 'queue', depth}). */
  private queueDepth: number | undefined;
  /** Restart-state updates from starts that settled after their tick saved; the next tick applies them. */
  private late: Array<(state: RestartState) => RestartState> = [];

  constructor(deps: EngineDeps) {
    this.town = deps.town;
    this.layout = deps.layout;
    this.tmux = deps.tmux;
    this.log = deps.log;
    this.settings = deps.settings;
    this.now = deps.clock;
    this.emit = deps.emit;
    this.healthWindowMs = deps.healthWindowMs;
    this.estopHeld = deps.estopHeld;
    this.ledgerHealth = new LedgerHealth(deps.layout);
  }

  /** Set while the ledger is unusable and the daemon runs in degraded mode (state.json, gt status). */
  get degraded(): DegradedInfo | null {
    return this.ledgerHealth.degraded;
  }

  /** Report a problem with one input once per distinct problem (not every tick). */
  warnOnce(key: string, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.log.warn(message);
  }

  /** The problem behind `key` is gone: report it again if it comes back. */
  resolved(key: string): void {
    this.warned.delete(key);
  }

  /**
   * One tick. The restart state is held under its lock (town/layout.ts) for the whole tick, so
   * `gt daemon clear-backoff` (which takes the same lock) is never overwritten by a tick that
   * started before it.
   */
  async tick(reasons: string[], opts: TickOptions = {}): Promise<TickReport> {
    const t0 = performance.now();
    const tick = ++this.stats.tickCount;
    this.stats.lastTick = new Date().toISOString();
    if (!reasons.every((r) => r === 'interval')) this.log.debug(`tick ${tick} (${reasons.join(', ')})`);
    try {
      const report = await this.locked(tick, opts);
      this.stats.lastTickActions = report.counts;
      return report;
    } finally {
      this.stats.lastTickMs = Math.round((performance.now() - t0) * 1000) / 1000;
    }
  }

  private async locked(tick: number, opts: TickOptions): Promise<TickReport> {
    const lock = await lockExclusive(this.layout.restartStateLock, 30_000);
    if (!lock) {
      this.log.warn('restart state is locked by another process for 30s; skipping this tick');
      return { tick, counts: {}, gated: false, wake: null, agents: [], procMs: 0, skipped: 'the restart state was locked by another process for 30s' };
    }
    try {
      return await this.run(tick, opts);
    } finally {
      lock.release();
    }
  }

  private async run(tick: number, opts: TickOptions): Promise<TickReport> {
    const { layout, log } = this;
    const rs = loadRestartState(layout.restartState);
    if (rs.warning) this.warnOnce('restart_state', rs.warning);
    else this.resolved('restart_state'); // readable again: a later corruption is reported anew
    let restart = rs.state;
    for (const update of this.late.splice(0)) restart = update(restart);
    if (opts.releaseHeld) restart = releaseAll(restart);
    const ns = loadNotifyState(layout.notifyState);
    if (ns.warning) this.warnOnce('notify_state', ns.warning);
    else this.resolved('notify_state');

    const town = readTown(this);
    const { obs, snap, procMs, outbox } = await observe(this, town);
    if (snap.ok) this.serverPid = snap.serverPid;
    await this.maintainHooks(snap.ok ? snap.serverPid : undefined);
    const queue = await observeQueue(this, town);
    if (queue) {
      obs.queue = queue;
      if (queue.queued.length !== this.queueDepth) {
        this.queueDepth = queue.queued.length;
        this.emit?.({ type: 'queue', depth: queue.queued.length });
      }
    }

    // Mail dedup slots come from the ledger's outbox (written with their mail), the rest from the file.
    const outboxKeys = new Set(outbox.map((s) => s.key));
    const ledgerStatus = this.ledgerHealth.status;
    const decision = applyLedgerStatus(decide(obs, town.settings, restart, withOutbox(ns.state, outbox)), ledgerStatus, obs.now);
    const gated = obs.gates.estop || obs.gates.shutdownLock;
    const counts: Record<string, number> = {};
    const report: Reporter = (a, ok, detail) => {
      const key = ok ? a.type : `${a.type}_failed`;
      counts[key] = (counts[key] ?? 0) + 1;
      this.emit?.({
        type: 'action',
        action: a.type,
        ok,
        description: describeAction(a),
        ...('agent' in a ? { agent: a.agent.identity, ...('reason' in a ? { reason: a.reason } : {}) } : {}),
        ...(a.type === 'log' ? { level: a.level, message: a.message } : {}),
        ...(a.type === 'mail' ? { to: a.to, subject: a.subject } : {}),
        ...(detail ? { detail } : {}),
      });
    };

    const actions = await withScreens(this.tmux, decision.actions);
    const ledger = actLedger(this, actions, decision.notify, report);
    for (const k of ledger.sent) outboxKeys.add(k);
    for (const a of actions) {
      if (a.type === 'log') {
        log[a.level](a.message);
        report(a, true);
      } else if (a.type === 'person') {
        // To the notifier (daemon/services.ts), which tells the person once per (kind, key) episode.
        const { type: _, ...event } = a;
        if ('about' in event) {
          const { about, ...rest } = event;
          this.emit?.({ type: 'person', ...rest, ...(about !== undefined ? { agent: about } : {}) });
        } else this.emit?.({ type: 'person', ...event });
        report(a, true);
      }
    }

    restart = decision.restart;
    let saved = false;
    const updateRestart = (update: (s: RestartState) => RestartState): void => {
      if (saved) this.late.push(update);
      else restart = update(restart);
    };
    const starts = new Map<string, StartResult>();
    let retry: Wake | null = null;
    await actAgents(this, actions, {
      launch: town.launch,
      rigTimeoutMs: town.settings.daemon.rig_timeout,
      // Degraded: sessions are started without touching the ledger (never rewritten, never recreated).
      ledgerWrites: ledgerStatus.ok,
      skip: ledger.claimedElsewhere,
      report,
      started: (a, outcome, at) => {
        const id = a.agent.identity;
        // Someone else started it meanwhile: their run, seen (and recorded) by the next look.
        if (!outcome.ok && outcome.exists) return;
        starts.set(id, { kind: a.type, ok: outcome.ok, ...(outcome.ok ? {} : { detail: outcome.message }) });
        if (outcome.ok) {
          // The run is recorded now, not at the next look: a death before then is still its death.
          const boot = bootEpochMs(at);
          const since = (boot !== undefined ? processStartEpochMs(outcome.pid, boot) : undefined) ?? at;
          updateRestart((s) => updateAgent(s, id, (t) => recordRun(t, { since, pid: outcome.pid })));
          return;
        }
        // A start that failed is a run of (next to) nothing: a short run, counted like any, so a
        // start that keeps failing backs off and ends in a crash loop. Decide again at once.
        const ranMs = outcome.died ? Math.max(0, at - agentRestart(restart, id).lastStart) : 0;
        updateRestart((s) =>
          reportStartFailure(updateAgent(s, id, (t) => recordDeath(t, { at, ranMs, ...outcome.died }, town.settings.restart)), id, at, outcome.message),
        );
        retry ??= { at, reason: `${id} start failed` };
      },
    });
    await actQueue(this, decision.actions, {
      report,
      started: (id, run) => updateRestart((s) => updateAgent(s, id, (t) => recordRun(t, run))),
    });
    // Sessions started this tick may have started the tmux server itself: give it the hooks now,
    // not one interval later. The same when observe saw no server: someone else (gt sling) may
    // have started it during the tick, and our own start then found its session already there.
    const noServerSeen = snap.ok && snap.serverPid === undefined;
    if ((counts.start ?? 0) + (counts.restart ?? 0) + (counts.dispatch ?? 0) > 0 || noServerSeen) await this.maintainHooks('ask');
    saveRestartState(layout.restartState, restart);
    saved = true;
    saveNotifyState(layout.notifyState, withoutOutbox(ledger.notify, outboxKeys));
    settleOutbox(this, ledger.notify, outboxKeys);
    const wake = retry && (!decision.next || (retry as Wake).at <= decision.next.at) ? retry : decision.next;
    return { tick, counts, gated, wake, agents: summarize(obs, restart, starts, opts.startedSince), procMs };
  }

  /** Hooks live in the tmux server: a new server (after kill-server, or the first session) needs them again. */
  private async maintainHooks(serverPid: number | undefined | 'ask'): Promise<void> {
    if (serverPid === undefined || serverPid === this.hookedServerPid) return;
    try {
      const st = await ensureHooks(this.tmux, notifyArgv(this.town));
      const pid = serverPid === 'ask' ? st.serverPid : serverPid;
      if (pid !== undefined) this.serverPid = pid;
      if (st.installed && pid !== this.hookedServerPid) {
        this.hookedServerPid = pid;
        this.log.info(`fast path: death hooks on tmux server pid ${pid ?? '?'}`);
      }
    } catch (e) {
      this.warnOnce('hooks', `fast path: could not install tmux hooks (the tick still recovers agents): ${messageOf(e)}`);
    }
  }
}

/** `gt up`: every agent stopped on purpose may be started again. */
function releaseAll(state: RestartState): RestartState {
  return { version: 2, agents: Object.fromEntries(Object.entries(state.agents).map(([id, s]) => [id, release(s)])) };
}

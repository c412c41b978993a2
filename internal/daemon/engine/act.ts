import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { explainLiveness, settleStartup } from '../../agent/liveness.js';
import { flockHolders } from '../../fsx/proc.js';
import { GtError, messageOf } from '../../errors.js';
import { agentBeadId, withLedger } from '../../ledger/index.js';
import { parseAddress } from '../../ledger/address.js';
import { checkWorktree } from '../../rig/worktree.js';
import { describeStartFailure, launchAgent } from '../../session/launch.js';
import type { AgentSpec } from '../../session/resolve.js';
import { SessionExistsError, killSession, nudge, snapshot, type Snapshot } from '../../tmux/index.js';
import type { TownLayout } from '../../town/layout.js';
import type { Logger } from '../logger.js';
import { clearBackoff, clearSlot, describeAction, reportStartFailure, type Action, type NotifyState, type RestartState } from '../policy/index.js';
import type { Observed } from './observe.js';

export interface ActEnv {
  layout: TownLayout;
  log: Logger;
  now: () => number;
  /** Longest one rig's actions may take; a hung rig is abandoned for this tick, the rest go on. */
  rigTimeoutMs: number;
  /**
   * Where restart-state updates go once act has returned: an abandoned rig's start can fail after
   * its tick saved, and that failure must still reach the tracker (the next tick applies it).
   */
  late?: (update: (state: RestartState) => RestartState) => void;
  /** Health window for started sessions. */
  healthWindowMs?: number;
  /** Every applied action, for control-socket subscribers. */
  emit?: (event: Record<string, unknown>) => void;
}

export interface ActResult {
  restart: RestartState;
  notify: NotifyState;
  counts: Record<string, number>;
}

/** After a rig's timeout cancels its git calls, how long act waits for the rig's actions to settle. */
const ABANDON_SETTLE_MS = 1_000;

/** The daemon writes mail as the deacon's patrol: replies go to deacon/. */
const DAEMON_SENDER = 'deacon/';

type AgentActionOf<T> = Extract<Action, { agent: AgentSpec }> & { type: T };

/**
 * Apply decide()'s actions. Mail, logs and lifecycle bookkeeping first (cheap, ledger only); then
 * agent actions grouped per rig, the groups in parallel, each under a timeout, each agent's actions
 * in order. Right before anything destructive the agent's liveness is checked again against one
 * fresh snapshot (taken only if something destructive is planned): if it changed since observe,
 * the action is skipped (the next tick decides again).
 */
export async function act(env: ActEnv, actions: Action[], observed: Observed, state: { restart: RestartState; notify: NotifyState }): Promise<ActResult> {
  let { restart, notify } = state;
  let returned = false;
  const updateRestart = (update: (r: RestartState) => RestartState): void => {
    if (returned) env.late?.(update);
    else restart = update(restart);
  };
  const counts: Record<string, number> = {};
  const done = (a: Action, ok: boolean, detail?: string) => {
    const key = ok ? a.type : `${a.type}_failed`;
    counts[key] = (counts[key] ?? 0) + 1;
    env.emit?.({
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

  const skipIdentity = new Set<string>();
  const ledgerActions = actions.filter((a) => a.type === 'mail' || a.type === 'claimLifecycle' || a.type === 'deleteLifecycle');
  if (ledgerActions.length) {
    try {
      withLedger(env.layout, (l) => {
        for (const a of ledgerActions) {
          try {
            if (a.type === 'mail') {
              l.sendMail({ from: DAEMON_SENDER, to: a.to, subject: a.subject, body: a.body });
              env.log.info(`mail to ${a.to}: ${a.subject}`);
            } else if (a.type === 'claimLifecycle') {
              // Claimed by someone else (another daemon run, a person): not ours to act on.
              if (!l.claimMail(a.id)) skipIdentity.add(a.from);
              env.log.info(`lifecycle request ${a.id} from ${a.from} claimed`);
            } else if (a.type === 'deleteLifecycle') {
              l.deleteMail(a.id);
              env.log.info(`lifecycle request ${a.id} from ${a.from} deleted without action: ${a.reason}`);
            }
            done(a, true);
          } catch (e) {
            if (a.type === 'mail') notify = clearSlot(notify, a.slot); // retried next tick
            env.log.error(`${describeAction(a)} failed: ${messageOf(e)}`);
            done(a, false, messageOf(e));
          }
        }
      });
    } catch (e) {
      env.log.error(`ledger unavailable this tick: ${messageOf(e)}`);
      for (const a of ledgerActions) if (a.type === 'mail') notify = clearSlot(notify, a.slot);
    }
  }
  for (const a of actions) {
    if (a.type === 'log') {
      env.log[a.level](a.message);
      done(a, true);
    }
  }

  const agentActions = actions.filter((a): a is Extract<Action, { agent: AgentSpec }> => 'agent' in a);
  if (agentActions.length === 0) return { restart, notify, counts };

  const destructive = agentActions.some((a) => a.type !== 'nudge');
  const fresh: Snapshot | undefined = destructive ? await snapshot(observed.launch.tmux) : undefined;
  const stillAsSeen = (a: AgentActionOf<string>): boolean => {
    if (!fresh) return true;
    // Settled like observe's: a session someone started since (gt up, a lifecycle start) looks
    // like a zombie while it loads, and must not pass for the old zombie we decided to replace.
    const seen = explainLiveness(fresh, a.agent.session, observed.names.get(a.agent.session) ?? [], observed.procs).state;
    const now = settleStartup(seen, fresh, a.agent.session, observed.launch.settings.agents_health.startup_grace);
    if (now === a.observed) return true;
    env.log.info(`skipped ${describeAction(a)}: liveness changed from ${a.observed} to ${now} since observe`);
    return false;
  };

  const byRig = new Map<string, typeof agentActions>();
  for (const a of agentActions) {
    const k = a.agent.rig ?? '(town)';
    byRig.set(k, [...(byRig.get(k) ?? []), a]);
  }

  const startOne = async (a: AgentActionOf<'start' | 'restart'>, signal: AbortSignal): Promise<void> => {
    // The gates again, right before starting: `gt down` may have taken its lock mid-tick.
    if (flockHolders(env.layout.shutdownLock).length > 0 || existsSync(env.layout.estop)) {
      env.log.info(`skipped ${describeAction(a)}: a gate closed during the tick`);
      return;
    }
    if (a.type === 'restart') await killSession(observed.launch.tmux, a.agent.session);
    let startedPlan: Awaited<ReturnType<typeof launchAgent>>['planned'] | undefined;
    try {
      // A polecat restarts in its git worktree: make sure it is still a usable checkout (this is the
      // rig's own git, which can hang; `signal` kills it when the rig's time is up).
      if (a.agent.role === 'polecat') await checkWorktree(join(env.layout.root, a.agent.workdir), signal);
      const r = await launchAgent(observed.launch, a.agent, { healthWindowMs: env.healthWindowMs });
      startedPlan = r.planned;
      if (r.died) {
        const msg = describeStartFailure(r);
        const at = env.now();
        updateRestart((r) => reportStartFailure(r, a.agent.identity, at, msg));
        env.log.error(`${a.type} ${a.agent.identity} failed: ${msg}`);
        done(a, false, msg);
        return;
      }
    } catch (e) {
      if (e instanceof SessionExistsError) {
        // Someone else (gt up, gt sling) started it: this attempt must not count as a restart.
        updateRestart((r) => clearBackoff(r, a.agent.identity));
        env.log.info(`${a.type} ${a.agent.identity}: session appeared meanwhile; left alone`);
        return;
      }
      const msg = e instanceof GtError ? e.line : messageOf(e);
      const at = env.now();
      updateRestart((r) => reportStartFailure(r, a.agent.identity, at, msg));
      env.log.error(`${a.type} ${a.agent.identity} failed: ${msg}`);
      done(a, false, msg);
      return;
    }
    for (const s of startedPlan?.plan.settled ?? []) env.log.info(`${a.agent.identity}: ${s}`);
    markStarted(env.layout, a.agent);
    env.log.info(`${a.type === 'start' ? 'started' : 'restarted'} ${a.agent.identity} (${a.reason})`);
    done(a, true);
  };

  const runRig = async (list: typeof agentActions, signal: AbortSignal): Promise<void> => {
    for (const a of list) {
      if (skipIdentity.has(a.agent.identity)) continue;
      try {
        switch (a.type) {
          case 'start':
          case 'restart':
            if (stillAsSeen(a)) await startOne(a, signal);
            break;
          case 'kill':
            if (!stillAsSeen(a)) break;
            await killSession(observed.launch.tmux, a.agent.session);
            env.log.info(`killed ${a.agent.identity} (${a.reason})`);
            done(a, true);
            break;
          case 'nudge': {
            const r = await nudge(observed.launch.tmux, a.agent.session, a.text);
            env.log.info(`nudged ${a.agent.identity}${r.delivered ? '' : ' (no reaction to Enter)'}: ${a.text}`);
            done(a, r.delivered);
            break;
          }
          case 'markDead':
            if (!stillAsSeen(a)) break;
            markDead(env, a);
            done(a, true);
            break;
        }
      } catch (e) {
        env.log.error(`${describeAction(a)} failed: ${e instanceof GtError ? e.line : messageOf(e)}`);
        done(a, false, messageOf(e));
      }
    }
  };

  await Promise.all(
    [...byRig.entries()].map(([rig, list]) => {
      const abandon = new AbortController();
      const running = runRig(list, abandon.signal);
      return withTimeout(running, env.rigTimeoutMs).then(async (finished) => {
        if (finished) return;
        env.log.error(`rig ${rig}: actions still running after ${env.rigTimeoutMs}ms; moving on (they finish in the background)`);
        // What can be cancelled (the rig's git calls) is; a cancelled start then fails at once, and
        // a moment's wait lets that failure reach this tick's restart state (backoff, CRASHED_POLECAT).
        abandon.abort();
        await withTimeout(running, ABANDON_SETTLE_MS);
      });
    }),
  );
  returned = true;
  return { restart, notify, counts };
}

/** A started agent is no longer dead: its bead says so, and says when (updated_at). */
function markStarted(layout: TownLayout, spec: AgentSpec): void {
  try {
    withLedger(layout, (l) =>
      l.write(() => {
        const id = agentBeadId(parseAddress(spec.identity), spec.prefix);
        const cur = l.getAgentBead(id);
        const state = cur?.hook_bead ? 'working' : cur?.agent_state === 'done' ? 'done' : 'idle';
        l.upsertAgentBead({ address: spec.identity, ...(spec.prefix ? { prefix: spec.prefix } : {}), session: spec.session, agent_state: state });
      }),
    );
  } catch {
    // The session runs; the bead catches up on the next start or the agent's next gt command.
  }
}

function markDead(env: ActEnv, a: Extract<Action, { type: 'markDead' }>): void {
  withLedger(env.layout, (l) =>
    l.write(() => {
      const id = agentBeadId(parseAddress(a.agent.identity), a.agent.prefix);
      if (l.getAgentBead(id)?.agent_state !== a.expectState) return;
      l.setAgentState(id, 'dead');
      env.log.warn(`marked ${a.agent.identity} dead (${a.reason})`);
    }),
  );
}

function withTimeout(p: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.then(() => true),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

import { settledLiveness } from '../../agent/liveness.js';
import { nudgeGuard } from '../../agent/screens/index.js';
import { flockHolders, readProcTable } from '../../fsx/proc.js';
import { GtError, messageOf } from '../../errors.js';
import { agentBeadId, withLedger } from '../../ledger/index.js';
import { parseAddress } from '../../ledger/address.js';
import { agentProcessNames, runtimeFor, type LaunchContext } from '../../session/launch.js';
import { NudgeRefusedError, killSession, nudge, snapshot, type Snapshot } from '../../tmux/index.js';
import { estopActive } from '../estop.js';
import { describeAction, type Action, type AgentAction } from '../policy/index.js';
import type { EngineView, Reporter } from './view.js';
import { startAgent, type StartOutcome } from './start-agent.js';

type StartLike = Extract<AgentAction, { type: 'start' | 'restart' }>;

export interface AgentActOptions {
  launch: LaunchContext;
  /** Longest one rig's actions may take; a hung rig is abandoned for this tick, the rest go on. */
  rigTimeoutMs: number;
  /** False in degraded mode: starts leave the agent beads alone (the ledger is unusable). */
  ledgerWrites?: boolean;
  /** Identities whose lifecycle request someone else claimed: their actions are skipped. */
  skip: ReadonlySet<string>;
  /** Each start's outcome, when it settles (possibly after act returned, for an abandoned rig). */
  started: (a: StartLike, outcome: StartOutcome, at: number) => void;
  report: Reporter;
}

/** After a rig's timeout cancels its git calls, how long act waits for the rig's actions to settle. */
const ABANDON_SETTLE_MS = 1_000;

/**
 * Apply the agent actions: grouped per rig, the groups in parallel, each under a timeout, each
 * agent's actions in order. Right before anything destructive the agent's liveness is checked
 * again against one fresh snapshot (taken only if something destructive is planned), settled the
 * same way observe settles it: if it changed since observe, the action is skipped and the next
 * tick decides again.
 */
export async function actAgents(engine: EngineView, actions: readonly Action[], opts: AgentActOptions): Promise<void> {
  const { log } = engine;
  const list = actions.filter((a): a is AgentAction => 'agent' in a);
  if (list.length === 0) return;

  const destructive = list.some((a) => a.type !== 'nudge');
  const fresh: Snapshot | undefined = destructive ? await snapshot(opts.launch.tmux) : undefined;
  let table: ReturnType<typeof readProcTable> | undefined;
  const procs = () => (table ??= readProcTable());
  const stillAsSeen = (a: AgentAction): boolean => {
    if (!fresh) return true;
    let names: string[] = [];
    try {
      names = agentProcessNames(opts.launch, a.agent);
    } catch {
      // An unknown runtime was reported by observe; with no names nothing looks alive.
    }
    const now = settledLiveness(fresh, a.agent.session, names, procs, opts.launch.settings.agents_health.startup_grace).state;
    if (now === a.observed) return true;
    log.info(`skipped ${describeAction(a)}: liveness changed from ${a.observed} to ${now} since observe`);
    return false;
  };

  const startOne = async (a: StartLike, signal: AbortSignal): Promise<void> => {
    // The gates again, right before starting: `gt down` may have taken its lock mid-tick.
    if (flockHolders(engine.layout.shutdownLock).length > 0 || estopActive(engine.layout, engine.estopHeld)) {
      log.info(`skipped ${describeAction(a)}: a gate closed during the tick`);
      return;
    }
    if (a.type === 'restart') await killSession(opts.launch.tmux, a.agent.session);
    const outcome = await startAgent(engine.layout, opts.launch, a.agent, {
      signal,
      healthWindowMs: engine.healthWindowMs,
      recordBead: opts.ledgerWrites !== false,
      onLeftovers: (pids) => log.info(`${a.agent.identity}: ended ${pids.length} leftover process${pids.length === 1 ? '' : 'es'} of ${a.agent.session}'s last run before starting it (pid ${pids.join(', ')})`),
    });
    opts.started(a, outcome, engine.now());
    if (outcome.ok) {
      // What gt settled in the CLI's own files (trust for a worktree, ...) is said, never silent.
      for (const s of outcome.settled) log.info(`${a.agent.identity}: ${s}`);
      log.info(`${a.type === 'start' ? 'started' : 'restarted'} ${a.agent.identity} (${a.reason})`);
      opts.report(a, true);
    } else if (outcome.exists) {
      log.info(`${a.type} ${a.agent.identity}: session appeared meanwhile; left alone`);
    } else {
      log.error(`${a.type} ${a.agent.identity} failed: ${outcome.message}`);
      opts.report(a, false, outcome.message);
    }
  };

  const runRig = async (group: AgentAction[], signal: AbortSignal): Promise<void> => {
    for (const a of group) {
      if (opts.skip.has(a.agent.identity)) continue;
      try {
        switch (a.type) {
          case 'start':
          case 'restart':
            if (stillAsSeen(a)) await startOne(a, signal);
            break;
          case 'kill':
            if (!stillAsSeen(a)) break;
            await killSession(opts.launch.tmux, a.agent.session);
            log.info(`killed ${a.agent.identity} (${a.reason})`);
            opts.report(a, true);
            break;
          case 'nudge': {
            // Never into a screen only a person may answer: that is how a nudge trusted a folder.
            let runtime: string | undefined;
            try {
              runtime = runtimeFor(opts.launch, a.agent).name;
            } catch {
              // A runtime the settings cannot resolve (observe has warned once): every recogniser guards it.
              runtime = undefined;
            }
            const refuseAt = nudgeGuard(runtime);
            try {
              const r = await nudge(opts.launch.tmux, a.agent.session, a.text, { refuseAt, who: a.agent.identity });
              log.info(`nudged ${a.agent.identity}${r.delivered ? '' : ' (no reaction to Enter)'}: ${a.text}`);
              opts.report(a, r.delivered);
            } catch (e) {
              if (!(e instanceof NudgeRefusedError)) throw e;
              log.warn(e.line);
              opts.report(a, false, e.message);
            }
            break;
          }
          case 'markDead':
            if (!stillAsSeen(a)) break;
            markDead(engine, a);
            opts.report(a, true);
            break;
        }
      } catch (e) {
        log.error(`${describeAction(a)} failed: ${e instanceof GtError ? e.line : messageOf(e)}`);
        opts.report(a, false, messageOf(e));
      }
    }
  };

  const byRig = new Map<string, AgentAction[]>();
  for (const a of list) {
    const k = a.agent.rig ?? '(town)';
    byRig.set(k, [...(byRig.get(k) ?? []), a]);
  }
  await Promise.all(
    [...byRig.entries()].map(async ([rig, group]) => {
      const abandon = new AbortController();
      const running = runRig(group, abandon.signal);
      if (await withTimeout(running, opts.rigTimeoutMs)) return;
      log.error(`rig ${rig}: actions still running after ${opts.rigTimeoutMs}ms; moving on (they finish in the background)`);
      // What can be cancelled (the rig's git calls) is; a cancelled start then fails at once, and
      // a moment's wait lets that failure reach this tick's restart state (backoff, CRASHED_POLECAT).
      abandon.abort();
      await withTimeout(running, ABANDON_SETTLE_MS);
    }),
  );
}

function markDead(engine: EngineView, a: Extract<AgentAction, { type: 'markDead' }>): void {
  withLedger(engine.layout, (l) =>
    l.write(() => {
      const id = agentBeadId(parseAddress(a.agent.identity), a.agent.prefix);
      if (l.getAgentBead(id)?.agent_state !== a.expectState) return;
      l.setAgentState(id, 'dead');
      engine.log.warn(`marked ${a.agent.identity} dead (${a.reason})`);
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

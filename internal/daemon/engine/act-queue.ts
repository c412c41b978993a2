import { messageOf } from '../../errors.js';
import { flockHolders } from '../../fsx/proc.js';
import { estopActive } from '../estop.js';
import { NOTIFY_KINDS } from '../../notify/event.js';
import { reapPolecat } from '../../rig/reap.js';
import { prepareSling } from '../../rig/sling.js';
import { startSlung, type SlingResult } from '../sling.js';
import type { Action, DispatchAction, ReapAction, Run } from '../policy/index.js';
import type { EngineView, Reporter } from './view.js';

export interface QueueActOptions {
  report: Reporter;
  /** A dispatched polecat runs: its first run, for the restart tracker. */
  started: (identity: string, run: Run) => void;
}

/**
 * The reap and dispatch actions, in that order: every reap first (each re-checks in rig/reap.ts
 * that no unmerged work is lost), then the dispatches (dispatchAll), each through gt sling's own
 * path in dispatch mode, which re-checks the caps in the same ledger transaction that hooks the
 * bead, so a reap that was refused never lets a dispatch run over the cap. (Person events, such as
 * QUEUE_DRAINED, go out with the engine's other person actions.)
 */
export async function actQueue(engine: EngineView, actions: readonly Action[], opts: QueueActOptions): Promise<void> {
  const reaps = actions.filter((a): a is ReapAction => a.type === 'reap');
  const dispatches = actions.filter((a): a is DispatchAction => a.type === 'dispatch');
  const { log } = engine;
  await Promise.all(
    reaps.map(async (a) => {
      try {
        const r = await reapPolecat(engine.layout, engine.tmux, a.polecat.rig, a.polecat.name, { keep: a.keep });
        const kept = a.keep ? '; worktree and branch kept (polecats.keep_done)' : `; worktree ${r.worktree_removed ? 'removed' : 'gone'}, branch ${r.branch_deleted ? 'deleted' : 'gone'}`;
        log.info(`reaped ${a.polecat.identity} (${a.reason})${kept}`);
        opts.report(a, true);
      } catch (e) {
        log.warn(`reap ${a.polecat.identity} skipped: ${messageOf(e)}`);
        opts.report(a, false, messageOf(e));
      }
    }),
  );
  for (const a of actions) if (a.type === 'person' && a.kind === NOTIFY_KINDS.queueDrained && !('resolve' in a)) log.info(`${a.kind}: ${a.title}`);
  await dispatchAll(engine, dispatches, opts);
}

/**
 * At most this many dispatched polecats start at once (on top of decide's own bound: no more
 * dispatches in one tick than free slots). Each start is mostly waiting (its health window), but
 * each is a new agent process on a shared box.
 */
export const MAX_PARALLEL_DISPATCHES = 4;

/**
 * The dispatches of one tick, in the order decide gave them (priority, then age). Each is gt
 * sling's own path in two halves (daemon/sling.ts): the hook (the caps re-checked in the ledger
 * transaction that hooks the bead, name and worktree under the rig's sling lock) runs one after
 * the other in that order, so hooks happen in dispatch order and each sees the ones before it;
 * the start (session and health window, no lock held) runs in the background, up to
 * MAX_PARALLEL_DISPATCHES at once, so the health windows overlap instead of adding up. The gates
 * are looked at again before each hook. Each dispatch is reported once; one that fails does not
 * stop the others.
 */
async function dispatchAll(engine: EngineView, dispatches: readonly DispatchAction[], opts: QueueActOptions): Promise<void> {
  const { log } = engine;
  const limit = Math.min(MAX_PARALLEL_DISPATCHES, dispatches.length);
  const starting = new Set<Promise<void>>();
  for (const a of dispatches) {
    while (starting.size >= limit) await Promise.race(starting);
    // The gates again, right before hooking: gt down may have taken its lock mid-tick.
    if (flockHolders(engine.layout.shutdownLock).length > 0 || estopActive(engine.layout, engine.estopHeld)) {
      log.info(`skipped dispatch of ${a.bead}: a gate closed during the tick`);
      break;
    }
    let prepared: Awaited<ReturnType<typeof prepareSling>>;
    try {
      prepared = await prepareSling(engine.town, a.bead, a.rig, 'dispatch');
    } catch (e) {
      log.warn(`dispatch of ${a.bead} to ${a.rig} failed: ${messageOf(e)}`);
      opts.report(a, false, messageOf(e));
      continue;
    }
    if (prepared.queued) {
      log.info(`dispatch of ${a.bead} to ${a.rig}: no slot after all (${prepared.load}/${prepared.max}); still queued`);
      continue;
    }
    const start: Promise<void> = (async () => {
      let r: SlingResult;
      try {
        r = await startSlung(engine.layout, prepared, { healthWindowMs: engine.healthWindowMs, wake: false, recordRun: opts.started });
      } catch (e) {
        log.warn(`dispatch of ${a.bead} to ${a.rig} failed: ${messageOf(e)}`);
        opts.report(a, false, messageOf(e));
        return;
      }
      if (r.started) log.info(`dispatched ${a.bead} to ${r.identity} (${a.reason})`);
      else log.error(`dispatched ${a.bead} to ${r.identity} but its session did not start: ${r.error} (the daemon restarts it)`);
      opts.report(a, r.started, r.started ? undefined : r.error);
    })()
      // Nothing of a start may escape as an unhandled rejection (it would end the daemon).
      .catch((e: unknown) => log.error(`dispatch of ${a.bead} to ${a.rig}: ${messageOf(e)}`))
      .finally(() => starting.delete(start));
    starting.add(start);
  }
  await Promise.all(starting);
}

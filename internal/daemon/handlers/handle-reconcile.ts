import { InvalidParamsError } from '../../control/server.js';
import { reconcileParamsSchema } from '../../control/protocol/params.js';
import type { ReconcileResult } from '../../control/protocol/messages/reconcile.js';
import type { TickReport } from '../engine/engine.js';

export interface ReconcileDeps {
  /** Run a tick now (coalescing with one already asked for) and return its report. */
  tick(reason: string, opts: { releaseHeld: boolean; startedSince?: number }): Promise<TickReport | undefined>;
}

/** The `reconcile` control method: a tick now, answered with where each managed agent stands. */
export function handleReconcile(deps: ReconcileDeps) {
  return async (params: unknown): Promise<ReconcileResult> => {
    const p = reconcileParamsSchema.safeParse(params);
    if (!p.success) throw new InvalidParamsError('reconcile takes {"reason"?: string, "release_held"?: boolean, "since"?: epoch ms}');
    const report = await deps.tick(`reconcile${p.data?.reason ? `:${p.data.reason}` : ''}`, {
      releaseHeld: p.data?.release_held === true,
      ...(p.data?.since !== undefined ? { startedSince: p.data.since } : {}),
    });
    // No report: the daemon is shutting down, or the tick failed (its log says why).
    if (!report) throw new Error('the reconcile tick did not run (the daemon is stopping, or the tick failed: see gt daemon logs)');
    return { tick_count: report.tick, gated: report.gated, agents: report.agents };
  };
}

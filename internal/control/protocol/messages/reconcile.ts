import type { MethodSpec } from '../method.js';

/**
 * "Reconcile now": run a tick and answer with where every agent the daemon keeps running stands
 * after it. `gt up` sends it (the daemon is the one that starts supervised sessions) and reports
 * what the daemon started; with `release_held` agents stopped on purpose (a lifecycle shutdown)
 * are started again too.
 */
export interface ReconcileParams {
  reason?: string;
  release_held?: boolean;
  /** The caller's request began then (epoch ms): agents started since are reported as started. */
  since?: number;
}

export type ReconcileStatus = 'running' | 'started' | 'restarted' | 'failed' | 'starting' | 'backoff' | 'crash-loop' | 'no-progress' | 'held' | 'down' | 'unknown';

export const RECONCILE_STATUSES: readonly ReconcileStatus[] = ['running', 'started', 'restarted', 'failed', 'starting', 'backoff', 'crash-loop', 'no-progress', 'held', 'down', 'unknown'];

export interface ReconcileAgent {
  identity: string;
  session: string;
  status: ReconcileStatus;
  detail?: string;
  /** For `backoff`: when the next attempt may come (ISO). */
  until?: string;
}

export interface ReconcileResult {
  tick_count: number;
  /** A gate kept the tick from managing agents: ESTOP, or `gt down` running. */
  gated: boolean;
  agents: ReconcileAgent[];
}

export function isReconcileResult(x: unknown): x is ReconcileResult {
  const r = x as ReconcileResult;
  return (
    !!r &&
    typeof r === 'object' &&
    Number.isInteger(r.tick_count) &&
    typeof r.gated === 'boolean' &&
    Array.isArray(r.agents) &&
    r.agents.every(
      (a) =>
        !!a &&
        typeof a === 'object' &&
        typeof a.identity === 'string' &&
        typeof a.session === 'string' &&
        RECONCILE_STATUSES.includes(a.status) &&
        (a.detail === undefined || typeof a.detail === 'string') &&
        (a.until === undefined || typeof a.until === 'string'),
    )
  );
}

export const RECONCILE: MethodSpec<'reconcile', ReconcileParams | undefined, ReconcileResult> = { name: 'reconcile', isResult: isReconcileResult };

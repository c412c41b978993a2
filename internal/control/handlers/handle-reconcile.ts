import { z } from 'zod';
import { RECONCILE } from '../protocol/messages/reconcile.js';
import type { MethodHandler } from '../server.js';
import type { ControlContext } from './context.js';

/** `reconcile` (gt up): a tick now, answered with where each managed agent stands. */
export const handleReconcile: MethodHandler<typeof RECONCILE, ControlContext> = {
  method: RECONCILE,
  params: z
    .object({ reason: z.string().max(200).optional(), release_held: z.boolean().optional(), since: z.number().finite().nonnegative().optional() })
    .strict()
    .optional(),
  paramsHint: 'reconcile takes {"reason"?: string, "release_held"?: boolean, "since"?: epoch ms}',
  handle: async (p, ctx) => {
    const result = await ctx.reconcile(`reconcile${p?.reason ? `:${p.reason}` : ''}`, {
      releaseHeld: p?.release_held === true,
      ...(p?.since !== undefined ? { startedSince: p.since } : {}),
    });
    // No result: the daemon is shutting down, or the tick failed (its log says why).
    if (!result) throw new Error('the reconcile tick did not run (the daemon is stopping, or the tick failed: see gt daemon logs)');
    return result;
  },
};

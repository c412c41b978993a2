import { z } from 'zod';
import { METRICS } from '../protocol/messages/metrics.js';
import type { MethodHandler } from '../server.js';
import type { ControlContext } from './context.js';

/** `metrics`: the exposition text, produced by the daemon's metrics registry. */
export const handleMetrics: MethodHandler<typeof METRICS, ControlContext> = {
  method: METRICS,
  params: z.undefined(),
  paramsHint: 'metrics takes no params',
  handle: async (_p, ctx) => ({ content_type: ctx.metrics.contentType, text: await ctx.metrics.text() }),
};

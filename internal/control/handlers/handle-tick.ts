import { z } from 'zod';
import { TICK } from '../protocol/messages/tick.js';
import type { MethodHandler } from '../server.js';
import type { ControlContext } from './context.js';

export const handleTick: MethodHandler<typeof TICK, ControlContext> = {
  method: TICK,
  params: z.object({ reason: z.string().max(200).optional() }).strict().optional(),
  paramsHint: 'tick takes {"reason"?: string}',
  handle: (p, ctx) => ctx.requestTick(`control${p?.reason ? `:${p.reason}` : ''}`),
};

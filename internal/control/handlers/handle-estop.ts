import { z } from 'zod';
import { ESTOP } from '../protocol/messages/estop.js';
import type { MethodHandler } from '../server.js';
import type { ControlContext } from './context.js';

export const handleEstop: MethodHandler<typeof ESTOP, ControlContext> = {
  method: ESTOP,
  params: z.object({ reason: z.string().max(500).optional(), by: z.string().max(200).optional() }).strict(),
  paramsHint: 'estop takes {"reason"?: string, "by"?: string}',
  handle: (p, ctx) => {
    const r = ctx.estop.set(p.reason, p.by);
    ctx.wake('estop');
    return { ...r, pid: ctx.pid };
  },
};

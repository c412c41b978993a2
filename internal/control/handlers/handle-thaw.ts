import { z } from 'zod';
import { THAW } from '../protocol/messages/estop.js';
import type { MethodHandler } from '../server.js';
import type { ControlContext } from './context.js';

export const handleThaw: MethodHandler<typeof THAW, ControlContext> = {
  method: THAW,
  params: z.undefined(),
  paramsHint: 'thaw takes no params',
  handle: (_p, ctx) => {
    const r = ctx.estop.thaw();
    ctx.wake('thaw');
    return { ...r, pid: ctx.pid };
  },
};

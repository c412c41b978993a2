import { z } from 'zod';
import { STATUS } from '../protocol/messages/status.js';
import type { MethodHandler } from '../server.js';
import type { ControlContext } from './context.js';

export const handleStatus: MethodHandler<typeof STATUS, ControlContext> = {
  method: STATUS,
  params: z.undefined(),
  paramsHint: 'status takes no params',
  handle: (_p, ctx) => ctx.status(),
};

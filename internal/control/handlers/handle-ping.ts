import { z } from 'zod';
import { PING } from '../protocol/messages/ping.js';
import type { MethodHandler } from '../server.js';
import type { ControlContext } from './context.js';

export const handlePing: MethodHandler<typeof PING, ControlContext> = {
  method: PING,
  params: z.undefined(),
  paramsHint: 'ping takes no params',
  handle: (_p, ctx) => ({ pid: ctx.pid, nonce: ctx.nonce, town: ctx.town, version: ctx.version }),
};

import { z } from 'zod';
import { EVENT_NOTIFICATION, SUBSCRIBE } from '../protocol/messages/subscribe.js';
import type { MethodHandler } from '../server.js';
import type { ControlContext } from './context.js';

/** Most recent events a subscriber may ask to have replayed (the daemon keeps 200). */
export const MAX_REPLAY = 1000;

export const handleSubscribe: MethodHandler<typeof SUBSCRIBE, ControlContext> = {
  method: SUBSCRIBE,
  params: z.object({ replay: z.number().int().min(0).max(MAX_REPLAY).optional() }).strict().optional(),
  paramsHint: `subscribe takes {"replay"?: number (0-${MAX_REPLAY})}`,
  handle: (p, ctx, conn) => {
    const send = conn.stream(() => unsubscribe());
    // Without `replay` (or with 0) only live events follow.
    const unsubscribe = ctx.events.subscribe((e) => send(EVENT_NOTIFICATION, e), p?.replay ?? 0);
    return { subscribed: true as const, seq: ctx.events.lastSeq, pid: ctx.pid };
  },
};

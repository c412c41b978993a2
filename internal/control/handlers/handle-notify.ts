import { z } from 'zod';
import { NOTIFY } from '../protocol/messages/notify.js';
import type { MethodHandler } from '../server.js';
import type { ControlContext } from './context.js';

export const handleNotify: MethodHandler<typeof NOTIFY, ControlContext> = {
  method: NOTIFY,
  params: z
    .object({
      event: z.string().regex(/^[a-z-]{1,40}$/, 'expected a tmux hook name'),
      session: z.string().regex(/^[a-zA-Z0-9_-]{0,100}$/).optional(),
      pane: z.string().regex(/^(%\d+)?$/).optional(),
    })
    .strict(),
  paramsHint: 'notify takes {"event": string, "session"?: string, "pane"?: string}',
  handle: (p, ctx) => {
    // Events only trigger; the tick decides (it re-observes everything).
    ctx.log.debug(`fast path: ${p.event}${p.session ? ` ${p.session}` : ''}${p.pane ? ` ${p.pane}` : ''}`);
    ctx.events.emit({ type: 'notify', event: p.event, ...(p.session ? { session: p.session } : {}) });
    ctx.wake(`hook:${p.event}`);
    return { queued: true as const };
  },
};

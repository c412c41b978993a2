import { z } from 'zod';

/** zod schemas for request params, checked by the daemon on everything it receives. */
export const tickParamsSchema = z.object({ reason: z.string().max(200).optional() }).strict().optional();

export const notifyParamsSchema = z
  .object({
    event: z.string().regex(/^[a-z-]{1,40}$/, 'expected a tmux hook name'),
    session: z.string().regex(/^[a-zA-Z0-9_-]{0,100}$/).optional(),
    pane: z.string().regex(/^(%\d+)?$/).optional(),
  })
  .strict();

export const subscribeParamsSchema = z.object({ replay: z.number().int().min(0).max(1000).optional() }).strict().optional();

export const questionParamsSchema = z.object({ id: z.string().regex(/^[a-z][a-z0-9]*-[a-zA-Z0-9_-]{1,120}$/, 'expected a question id') }).strict();

export const reconcileParamsSchema = z
  .object({ reason: z.string().max(200).optional(), release_held: z.boolean().optional(), since: z.number().finite().nonnegative().optional() })
  .strict()
  .optional();

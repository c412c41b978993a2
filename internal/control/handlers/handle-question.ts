import { z } from 'zod';
import { QUESTION } from '../protocol/messages/question.js';
import type { MethodHandler } from '../server.js';
import type { ControlContext } from './context.js';

/**
 * `question`: a question was asked (gt ask). The id is only a hint; `notifyQuestions` reads the
 * ledger's open questions and notifies those not yet notified, so a forged or stale id does nothing.
 */
export const handleQuestion: MethodHandler<typeof QUESTION, ControlContext> = {
  method: QUESTION,
  params: z.object({ id: z.string().regex(/^[a-z][a-z0-9]*-[a-zA-Z0-9_-]{1,120}$/, 'expected a question id') }).strict(),
  paramsHint: 'question takes {"id": string}',
  handle: (_p, ctx) => ({ notified: ctx.notifyQuestions() }),
};

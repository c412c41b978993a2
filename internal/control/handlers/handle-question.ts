import { InvalidParamsError, type Handler } from '../server.js';
import { questionParamsSchema } from '../protocol/params.js';
import type { QuestionResult } from '../protocol/messages/question.js';

/**
 * `question`: a question was asked (gt ask). The id is only a hint; `notifyQuestions` reads the
 * ledger's open questions and notifies those not yet notified, so a forged or stale id does nothing.
 */
export function handleQuestion(notifyQuestions: () => number): Handler {
  return (params): QuestionResult => {
    const p = questionParamsSchema.safeParse(params);
    if (!p.success) throw new InvalidParamsError('question takes {"id": string}');
    return { notified: notifyQuestions() };
  };
}

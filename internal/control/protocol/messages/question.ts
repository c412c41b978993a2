import type { MethodSpec } from '../method.js';

/**
 * `gt ask` tells the daemon that a question was asked, so the person is notified at once rather
 * than at the next tick. The daemon reads the question from the ledger (the id is only a hint of
 * what to look for) and answers once it has queued the notification.
 */
export interface QuestionParams {
  id: string;
}

export interface QuestionResult {
  /** Questions newly handed to the notifier by this call (0 when already notified or no notifier is set). */
  notified: number;
}

export function isQuestionResult(x: unknown): x is QuestionResult {
  const r = x as QuestionResult;
  return !!r && typeof r === 'object' && Number.isInteger(r.notified);
}

export const QUESTION: MethodSpec<'question', QuestionParams, QuestionResult> = { name: 'question', isResult: isQuestionResult };

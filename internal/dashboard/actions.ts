import { z } from 'zod';
import { describeIssues } from '../config/load.js';
import { clearAgentBackoff } from '../daemon/clear-backoff.js';
import { engageEstop, releaseEstop } from '../daemon/estop.js';
import { GtError, InvalidInputError } from '../errors.js';
import { HUMAN_SENDER, withLedger } from '../ledger/index.js';
import { QUESTION_LIMITS } from '../ledger/questions.js';
import { setRigState } from '../rig/state.js';
import { nudgeAgent } from '../session/attach.js';
import { townLayout } from '../town/layout.js';

/** What an action answers: a line for the person and the same record the CLI's --json prints. */
export interface ActionResult {
  ok: boolean;
  message: string;
  result: unknown;
}

interface ActionSpec<S extends z.ZodType> {
  params: S;
  /** The same function the CLI command calls: the dashboard never has its own implementation. */
  run(town: string, p: z.output<S>): Promise<ActionResult>;
}

const agent = z.string().min(1).max(200);
const rig = z.string().min(1).max(100);

function action<S extends z.ZodType>(spec: ActionSpec<S>): ActionSpec<S> {
  return spec;
}

/** Every action the page offers, by name. */
export const ACTIONS = {
  answer: action({
    params: z.object({ id: z.string().min(1).max(200), text: z.string().trim().min(1, 'is empty').max(QUESTION_LIMITS.answer) }).strict(),
    async run(town, p) {
      // As `gt answer` from outside a session: the ledger checks the options and that the
      // question is still open; the asker, polling its question, wakes with the answer.
      const q = withLedger(townLayout(town), (l) => l.answerQuestion(p.id, p.text, HUMAN_SENDER));
      return { ok: true, message: `answered ${q.id} (${q.from}): ${q.answer}`, result: q };
    },
  }),
  nudge: action({
    params: z.object({ agent, text: z.string().min(1).max(4000) }).strict(),
    async run(town, p) {
      const r = await nudgeAgent(town, p.agent, p.text);
      return { ok: r.delivered, message: r.delivered ? `nudged ${r.session}` : `typed into ${r.session} but the pane did not react to Enter after ${r.enterAttempts} tries`, result: r };
    },
  }),
  'clear-backoff': action({
    params: z.object({ agent }).strict(),
    async run(town, p) {
      const r = await clearAgentBackoff(townLayout(town), p.agent);
      const message = r.not_found !== null ? `${r.not_found} has no restart record; nothing to clear` : `cleared ${r.cleared.map((c) => c.agent).join(', ')}`;
      return { ok: true, message, result: r };
    },
  }),
  park: action({
    params: z.object({ rig }).strict(),
    async run(town, p) {
      const r = await setRigState(townLayout(town), p.rig, 'park');
      return { ok: true, message: r.changed ? `rig ${r.name}: ${r.from} -> ${r.state}` : `rig ${r.name} is already ${r.state}`, result: r };
    },
  }),
  unpark: action({
    params: z.object({ rig }).strict(),
    async run(town, p) {
      const r = await setRigState(townLayout(town), p.rig, 'unpark');
      return { ok: true, message: r.changed ? `rig ${r.name}: ${r.from} -> ${r.state}` : `rig ${r.name} is already ${r.state}`, result: r };
    },
  }),
  estop: action({
    params: z.object({ reason: z.string().max(500).optional() }).strict(),
    async run(town, p) {
      const r = await engageEstop(townLayout(town), p.reason?.trim() || 'from the dashboard');
      return { ok: true, message: r.changed ? 'ESTOP set: the daemon starts, kills and nudges nothing until thawed' : 'ESTOP was already set', result: r };
    },
  }),
  thaw: action({
    params: z.object({}).strict(),
    async run(town) {
      const r = await releaseEstop(townLayout(town));
      return { ok: true, message: r.changed ? 'ESTOP removed' : 'ESTOP was not set', result: r };
    },
  }),
} as const;

export type ActionName = keyof typeof ACTIONS;

export function isActionName(name: string): name is ActionName {
  return Object.hasOwn(ACTIONS, name);
}

/** Validate and run one action; bad input is an InvalidInputError naming the field. */
export async function runAction(town: string, name: ActionName, body: unknown): Promise<ActionResult> {
  const spec = ACTIONS[name] as ActionSpec<z.ZodType>;
  const parsed = spec.params.safeParse(body ?? {});
  if (!parsed.success) {
    const { key, problem } = describeIssues(parsed.error);
    throw new InvalidInputError(`${name}: ${key ? `${key}: ` : ''}${problem}`);
  }
  try {
    return await spec.run(town, parsed.data);
  } catch (e) {
    if (e instanceof GtError) throw e;
    throw new GtError('IO', `${name} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

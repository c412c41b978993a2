import type { CommandContext, CommandSpec } from '../spec.js';
import { printJson } from '../output.js';
import { GtError, UsageError, isGtError, messageOf } from '../../errors.js';
import { parseDuration, formatDuration } from '../../config/units.js';
import { townLayout } from '../../town/layout.js';
import { openLedger } from '../../ledger/ledger.js';
import { sessionAgent, agentSession, writeAgentHeartbeat } from '../../ledger/touch.js';
import type { Question } from '../../ledger/questions.js';

export const spec: CommandSpec = {
  usage: 'gt ask "question" [--options a,b,...] [--timeout D] [--json]',
  description:
    'Ask the person a question and wait for the answer, which is printed on stdout (run it as a tool call: its output is the answer).',
  positionals: [{ name: 'question', required: true, description: 'the question (quote it)' }],
  options: {
    options: { type: 'string', arg: 'A,B', description: 'the allowed answers, comma-separated; any other answer is refused' },
    timeout: { type: 'string', arg: 'D', description: 'how long to wait, e.g. 90s, 10m (default 10m, at most 24h)' },
    json: { type: 'boolean', description: 'print the answered question as JSON instead of the bare answer' },
  },
  details: [
    'For agents: run inside an agent session (GT_ROLE & co set). While it waits, the agent\'s heartbeat',
    'file says state "blocked", reason "question", so the daemon knows it waits for a person, and the',
    'person is notified (settings notify). The person answers with: gt answer <id> "text" (gt questions',
    'lists open ones). No answer in time: the question expires, a line on stderr says so, exit 1.',
    'Interrupted (SIGINT/SIGTERM/SIGHUP): the question expires too.',
  ].join('\n'),
};

const DEFAULT_TIMEOUT_MS = 10 * 60_000;
const MAX_TIMEOUT_MS = 24 * 3_600_000;
/** How often the ledger is read for the answer: cheap (one indexed row), and an answer arrives within it. */
const POLL_MS = 150;

export async function run(ctx: CommandContext): Promise<number> {
  const text = ctx.args.positionals[0]!;
  const rawTimeout = ctx.args.values.timeout as string | undefined;
  const timeoutMs = rawTimeout === undefined ? DEFAULT_TIMEOUT_MS : parseDuration(rawTimeout);
  if (timeoutMs === undefined || timeoutMs <= 0 || timeoutMs > MAX_TIMEOUT_MS) {
    throw new UsageError(`--timeout ${JSON.stringify(rawTimeout)}: expected a duration between 1s and 24h, e.g. "90s" or "10m"`);
  }
  const rawOptions = ctx.args.values.options as string | undefined;
  const options = rawOptions === undefined ? undefined : rawOptions.split(',').map((o) => o.trim());
  if (options && options.length < 2) throw new UsageError('--options needs at least two answers, comma-separated, e.g. --options yes,no');

  const layout = townLayout(ctx.town());
  const me = sessionAgent(layout);
  if (!me) {
    throw new UsageError('gt ask is for agents: run it inside an agent session (GT_ROLE set)', 'to write to the person from outside, use: gt mail send overseer -s SUBJECT');
  }
  const ledger = openLedger(layout);
  let question: Question | undefined;
  let bead = me.agentId ? ledger.getAgentBead(me.agentId) : undefined;
  const report = (state: Record<string, unknown>) => {
    try {
      writeAgentHeartbeat(layout, me, bead, new Date(), state);
    } catch (e) {
      ctx.err(`gt: warning: could not write this agent's heartbeat file: ${isGtError(e) ? e.line : messageOf(e)}`);
    }
  };
  // Interrupted (a tool call's own timeout, Ctrl-C): the question is withdrawn and the agent no longer blocked.
  const onSignal = (sig: NodeJS.Signals) => {
    try {
      if (question) ledger.expireQuestion(question.id);
    } catch {
      // Best effort on the way out; the deadline expires it anyway.
    }
    report({ state: 'working' });
    ledger.close();
    process.exit(128 + ({ SIGINT: 2, SIGTERM: 15, SIGHUP: 1 } as Record<string, number>)[sig]!);
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, onSignal);
  try {
    const session = agentSession(me, bead);
    question = ledger.askQuestion({
      from: me.who.address,
      text,
      ...(options ? { options } : {}),
      timeoutMs,
      ...(session ? { session } : {}),
    });
    const id = question.id;
    report({ state: 'blocked', reason: 'question', question: id });
    await tellDaemon(layout.controlSocket, id);
    ctx.err(`gt: asked ${id}; waiting up to ${formatDuration(timeoutMs)} for the person (gt answer ${id} "...")`);

    const deadline = Date.now() + timeoutMs;
    let q: Question = question;
    while (q.state === 'open' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, Math.min(POLL_MS, Math.max(1, deadline - Date.now()))));
      q = ledger.getQuestion(id);
    }
    // At the deadline the expiry and a late answer race in one transaction: the ledger says who won.
    if (q.state === 'open') q = ledger.expireQuestion(id);
    bead = me.agentId ? ledger.getAgentBead(me.agentId) : bead;
    report({ state: 'working' });
    if (q.state !== 'answered') {
      throw new GtError('TIMEOUT', `no answer to ${id} within ${formatDuration(timeoutMs)}; the question expired`, {
        hint: 'decide without it, or ask again later',
      });
    }
    if (ctx.json) printJson(q);
    else ctx.out(q.answer!);
    return 0;
  } finally {
    for (const s of signals) process.off(s, onSignal);
    ledger.close();
  }
}

/** Best effort: a running daemon notifies the person at once; without one, its next start does. */
async function tellDaemon(socket: string, id: string): Promise<void> {
  try {
    const [{ callMethod }, { QUESTION }] = await Promise.all([import('../../control/client.js'), import('../../control/protocol/messages/question.js')]);
    await callMethod(socket, QUESTION, { id }, { timeoutMs: 2_000 });
  } catch {
    // Not running or not answering: the question is in the ledger either way.
  }
}

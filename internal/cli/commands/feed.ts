import type { CommandContext, CommandSpec } from '../spec.js';
import { EXIT, NotRunningError, UsageError } from '../../errors.js';
import type { DaemonEventParams } from '../../control/protocol/messages/subscribe.js';
import { ControlError } from '../../control/client.js';
import { subscribeEvents } from '../../control/subscriber.js';
import { eventText } from '../../control/event-text.js';
import { townLayout } from '../../town/layout.js';
import { oneLine } from '../../safe-text.js';

export const spec: CommandSpec = {
  usage: 'gt feed [-n N] [--json] [--town DIR]',
  description:
    "Print the daemon's events as they happen: every action it takes (start, restart, kill, nudge, mail, ...), each tick's start and end with its action counts, fast-path notifications and signals. Runs until interrupted.",
  options: {
    lines: { type: 'string', short: 'n', arg: 'N', description: 'first print up to N recent events the daemon kept (default 10, max 200)' },
    json: { type: 'boolean', description: 'one JSON object per event per line' },
  },
  details: 'Exit 3 with "daemon is not running" when no daemon answers; exit 3 when the daemon stops while followed.',
};

const ANSWER_TIMEOUT_MS = 5_000;

function clock(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toTimeString().slice(0, 8);
}

/** One human line per event. */
export function formatEvent(e: DaemonEventParams): string {
  return `${clock(e.time)}  ${eventText(e)}`;
}

export async function run(ctx: CommandContext): Promise<number> {
  const raw = (ctx.args.values.lines as string | undefined) ?? '10';
  if (!/^\d{1,4}$/.test(raw) || Number(raw) > 200) throw new UsageError(`-n ${JSON.stringify(raw)}: expected a number of events (0-200)`);
  const path = townLayout(ctx.town()).controlSocket;
  // A reader that goes away (gt feed | head) ends the feed quietly.
  process.stdout.on('error', () => process.exit(0));

  const sub = subscribeEvents(path, {
    replay: Number(raw),
    timeoutMs: ANSWER_TIMEOUT_MS,
    onEvent: (e) => ctx.out(ctx.json ? JSON.stringify(e) : oneLine(formatEvent(e))),
  });
  const onStop = () => sub.close();
  process.once('SIGINT', onStop);
  process.once('SIGTERM', onStop);
  try {
    try {
      await sub.accepted;
    } catch (e) {
      const refused = e instanceof ControlError && e.reason === 'rpc-error';
      throw new NotRunningError(refused ? e.message : 'daemon is not running', refused ? EXIT.error : EXIT.notRunning);
    }
    const { byClient } = await sub.ended;
    if (byClient) return EXIT.ok;
    ctx.err('gt: the daemon closed the feed (it stopped)');
    return EXIT.notRunning;
  } finally {
    process.off('SIGINT', onStop);
    process.off('SIGTERM', onStop);
  }
}

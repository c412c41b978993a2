import net from 'node:net';
import type { CommandContext, CommandSpec } from '../spec.js';
import { EXIT, NotRunningError, UsageError } from '../../errors.js';
import { SUBSCRIBE, isEventNotification, isSubscribeResult, type DaemonEventParams } from '../../control/protocol/messages/subscribe.js';
import { townLayout } from '../../town/layout.js';

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

function countsText(counts: unknown): string {
  if (!counts || typeof counts !== 'object') return '';
  const parts = Object.entries(counts as Record<string, unknown>).map(([k, v]) => `${k}=${String(v)}`);
  return parts.length ? parts.join(' ') : 'no actions';
}

/** One human line per event. */
export function formatEvent(e: DaemonEventParams): string {
  const t = clock(e.time);
  switch (e.type) {
    case 'action': {
      let what = String(e.description ?? e.action);
      if (e.action === 'log' && typeof e.message === 'string') what = `log ${String(e.level)}: ${e.message}`;
      else if (e.action === 'mail' && typeof e.subject === 'string') what = `mail ${String(e.to)}: ${e.subject}`;
      else if (typeof e.reason === 'string') what += ` (${e.reason})`;
      return `${t}  ${what}${e.ok === false ? `  FAILED${e.detail ? `: ${String(e.detail)}` : ''}` : ''}`;
    }
    case 'tick_start':
      return `${t}  tick ${String(e.tick)} (${Array.isArray(e.reasons) ? e.reasons.join(', ') : ''})`;
    case 'tick_end':
      return `${t}  tick ${String(e.tick)} done${typeof e.ms === 'number' ? ` in ${Math.round(e.ms)}ms` : ''}: ${countsText(e.counts)}`;
    case 'notify':
      return `${t}  fast path: ${String(e.event)}${e.session ? ` ${String(e.session)}` : ''}`;
    case 'signal':
      return `${t}  signal ${String(e.signal)}`;
    default: {
      const { type, seq: _seq, time: _time, ...rest } = e;
      return `${t}  ${type} ${JSON.stringify(rest)}`;
    }
  }
}

export async function run(ctx: CommandContext): Promise<number> {
  const raw = (ctx.args.values.lines as string | undefined) ?? '10';
  if (!/^\d{1,4}$/.test(raw) || Number(raw) > 200) throw new UsageError(`-n ${JSON.stringify(raw)}: expected a number of events (0-200)`);
  const replay = Number(raw);
  const path = townLayout(ctx.town()).controlSocket;
  // A reader that goes away (gt feed | head) ends the feed quietly.
  process.stdout.on('error', () => process.exit(0));

  return new Promise<number>((resolve, reject) => {
    const sock = net.connect(path);
    let subscribed = false;
    let finished = false;
    let buf = '';
    const finish = (code: number | Error) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      process.off('SIGINT', onStop);
      process.off('SIGTERM', onStop);
      sock.destroy();
      if (code instanceof Error) reject(code);
      else resolve(code);
    };
    const onStop = () => finish(EXIT.ok);
    process.once('SIGINT', onStop);
    process.once('SIGTERM', onStop);
    const timer = setTimeout(() => finish(new NotRunningError('daemon is not running (the control socket did not answer)', EXIT.notRunning)), ANSWER_TIMEOUT_MS);

    sock.setEncoding('utf8');
    sock.on('connect', () => sock.write(`${JSON.stringify({ jsonrpc: '2.0', id: 1, method: SUBSCRIBE, params: { replay } })}\n`));
    sock.on('error', () => {
      if (!subscribed) finish(new NotRunningError('daemon is not running', EXIT.notRunning));
    });
    sock.on('close', () => {
      if (!subscribed) return finish(new NotRunningError('daemon is not running', EXIT.notRunning));
      ctx.err('gt: the daemon closed the feed (it stopped)');
      finish(EXIT.notRunning);
    });
    sock.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        let msg: unknown;
        try {
          msg = JSON.parse(line);
        } catch {
          continue; // not ours to print
        }
        if (!subscribed) {
          const m = msg as { id?: unknown; result?: unknown; error?: { message?: unknown } };
          if (m && m.id === 1 && m.error) return finish(new NotRunningError(`daemon refused the subscription: ${String(m.error.message)}`, EXIT.error));
          if (m && m.id === 1 && isSubscribeResult(m.result)) {
            subscribed = true;
            clearTimeout(timer);
            continue;
          }
        }
        if (!isEventNotification(msg)) continue;
        ctx.out(ctx.json ? JSON.stringify(msg.params) : formatEvent(msg.params));
      }
    });
  });
}

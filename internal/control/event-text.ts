import type { DaemonEventParams } from './protocol/messages/subscribe.js';

function countsText(counts: unknown): string {
  if (!counts || typeof counts !== 'object') return '';
  const parts = Object.entries(counts as Record<string, unknown>).map(([k, v]) => `${k}=${String(v)}`);
  return parts.length ? parts.join(' ') : 'no actions';
}

/** What a daemon event says, in one line for a person (`gt feed` and the dashboard's event feed). */
export function eventText(e: DaemonEventParams): string {
  switch (e.type) {
    case 'action': {
      let what = String(e.description ?? e.action);
      if (e.action === 'log' && typeof e.message === 'string') what = `log ${String(e.level)}: ${e.message}`;
      else if (e.action === 'mail' && typeof e.subject === 'string') what = `mail ${String(e.to)}: ${e.subject}`;
      else if (typeof e.reason === 'string') what += ` (${e.reason})`;
      return `${what}${e.ok === false ? `  FAILED${e.detail ? `: ${String(e.detail)}` : ''}` : ''}`;
    }
    case 'tick_start':
      return `tick ${String(e.tick)} (${Array.isArray(e.reasons) ? e.reasons.join(', ') : ''})`;
    case 'tick_end':
      return `tick ${String(e.tick)} done${typeof e.ms === 'number' ? ` in ${Math.round(e.ms)}ms` : ''}: ${countsText(e.counts)}`;
    case 'notify':
      return `fast path: ${String(e.event)}${e.session ? ` ${String(e.session)}` : ''}`;
    case 'signal':
      return `signal ${String(e.signal)}`;
    default: {
      const { type, seq: _seq, time: _time, ...rest } = e;
      return `${type} ${JSON.stringify(rest)}`;
    }
  }
}

import type { CommandContext, CommandSpec } from '../spec.js';
import { callControl } from '../../control/client.js';
import { isTickResult } from '../../control/protocol/messages/tick.js';
import { townLayout } from '../../town/layout.js';
import { GtError, NotRunningError } from '../../errors.js';
import { printJson } from '../output.js';

export const spec: CommandSpec = {
  usage: 'gt daemon tick [--town DIR] [--json]',
  description: 'Ask the daemon for a tick now and wait until it has run (like kill -USR1, but synchronous).',
  options: { json: { type: 'boolean', description: 'print {tick_count, last_tick_ms} as JSON' } },
};

export async function run(ctx: CommandContext): Promise<number> {
  const layout = townLayout(ctx.town());
  let raw: unknown;
  try {
    raw = await callControl(layout.controlSocket, 'tick', { reason: 'cli' }, { timeoutMs: 120_000 });
  } catch (e) {
    if (e instanceof Error && 'reason' in e && e.reason === 'not-listening') throw new NotRunningError();
    throw e;
  }
  if (!isTickResult(raw)) throw new GtError('CONTROL_FAILED', 'the daemon sent a malformed tick answer');
  const r = raw;
  if (ctx.json) printJson(r);
  else ctx.out(`tick ${r.tick_count} done (${r.last_tick_ms}ms)`);
  return 0;
}

import type { CommandContext, CommandSpec } from '../spec.js';
import { ControlError, callMethod } from '../../control/client.js';
import { TICK } from '../../control/protocol/messages/tick.js';
import { townLayout } from '../../town/layout.js';
import { GtError, NotRunningError } from '../../errors.js';
import { oneLine } from '../../safe-text.js';
import { printJson } from '../output.js';

export const spec: CommandSpec = {
  usage: 'gt daemon tick [--town DIR] [--json]',
  description:
    'Ask the daemon for a tick now and wait until it has run (like kill -USR1, but synchronous). Exits 1 with the reason when that tick failed or was skipped (the daemon logs it too).',
  options: { json: { type: 'boolean', description: 'print {tick_count, last_tick_ms} as JSON (a failed tick is an error, as without --json)' } },
};

export async function run(ctx: CommandContext): Promise<number> {
  const layout = townLayout(ctx.town());
  let r;
  try {
    r = await callMethod(layout.controlSocket, TICK, { reason: 'cli' }, { timeoutMs: 120_000 });
  } catch (e) {
    if (e instanceof ControlError && e.reason === 'not-listening') throw new NotRunningError();
    throw e;
  }
  if (r.failed) throw new GtError('TICK_FAILED', `tick ${r.tick_count} failed: ${oneLine(r.failed)}`, { hint: 'gt daemon logs shows the daemon\'s account of it' });
  if (ctx.json) printJson(r);
  else ctx.out(`tick ${r.tick_count} done (${r.last_tick_ms}ms)`);
  return 0;
}

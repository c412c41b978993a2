import type { CommandContext, CommandSpec } from '../spec.js';
import { stopDaemon } from '../../daemon/stop.js';
import { townLayout } from '../../town/layout.js';
import { parseDuration } from '../../config/units.js';
import { EXIT, NotRunningError, UsageError } from '../../errors.js';
import { printJson } from '../output.js';

export const spec: CommandSpec = {
  usage: 'gt daemon stop [--grace DURATION] [--town DIR] [--json]',
  description: 'Stop the daemon: SIGTERM, wait for it to finish its tick, SIGKILL after the grace period.',
  options: {
    grace: { type: 'string', arg: 'DURATION', description: 'how long to wait before SIGKILL (default 10s)' },
    json: { type: 'boolean', description: 'print {pid, forced} as JSON' },
  },
  details:
    "Only a process proven to be this town's daemon is signalled (control socket, pid file, lock holder, command line and start time agree). Stopping a daemon that is not running is not an error (exit 0, as LSB init scripts do); with --json it prints {\"pid\": null, \"running\": false, \"reason\": ...}.",
};

export async function run(ctx: CommandContext): Promise<number> {
  const raw = ctx.args.values.grace as string | undefined;
  const grace = raw === undefined ? 10_000 : parseDuration(raw);
  if (grace === undefined) throw new UsageError(`--grace ${JSON.stringify(raw)}: expected a duration like "5s" or "1m"`);
  let r;
  try {
    r = await stopDaemon(townLayout(ctx.town()), grace);
  } catch (e) {
    if (!(e instanceof NotRunningError)) throw e;
    if (ctx.json) printJson({ pid: null, forced: false, running: false, reason: e.message });
    else ctx.out(e.message);
    return EXIT.ok;
  }
  if (ctx.json) printJson(r);
  else ctx.out(`daemon stopped (pid ${r.pid}${r.forced ? ', killed after the grace period' : ''})`);
  return 0;
}

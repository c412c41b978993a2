import type { CommandContext, CommandSpec } from '../spec.js';
import { EXIT, NotRunningError } from '../../errors.js';
import { townLayout } from '../../town/layout.js';

export const spec: CommandSpec = {
  usage: 'gt metrics',
  description: "Print the daemon's metrics in the Prometheus text format.",
  details: [
    'Agents by liveness and state, crash-looping agents, restarts by role, crash loops, ticks and their',
    'duration, actions by kind, the dispatch queue depth (0 until the queue exists), mail sent,',
    'notifications and notifier failures, scheduled job runs, and the daemon process itself.',
    'The daemon serves the same at http://HOST:PORT/metrics when settings daemon.metrics_listen is set',
    '(loopback only unless daemon.metrics_allow_remote). Exit 3 when the daemon is not running.',
  ].join('\n'),
};

export async function run(ctx: CommandContext): Promise<number> {
  const { callMethod, ControlError } = await import('../../control/client.js');
  const { METRICS } = await import('../../control/protocol/messages/metrics.js');
  let r;
  try {
    r = await callMethod(townLayout(ctx.town()).controlSocket, METRICS, undefined, { timeoutMs: 15_000 });
  } catch (e) {
    if (e instanceof ControlError && e.reason === 'not-listening') throw new NotRunningError('daemon is not running: no metrics (gt daemon start)', EXIT.notRunning);
    throw e;
  }
  process.stdout.write(r.text);
  return 0;
}

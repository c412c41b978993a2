import type { CommandContext, CommandSpec } from '../spec.js';
import { runKeeper } from '../../daemon/keeper.js';
import { townLayout } from '../../town/layout.js';

export const spec: CommandSpec = {
  usage: 'gt daemon keeper [--town DIR]',
  description:
    "Watch the daemon and start it again when it dies without stopping (kill -9, out of memory), unless gt down runs or ESTOP is set. The daemon starts one beside itself; a person never needs to run it.",
  details: [
    'It never takes daemon.lock (it reads /proc/locks), so a daemon starting meanwhile always wins.',
    'It ends when the daemon stops cleanly (gt daemon stop, gt down) or the town is removed.',
    'Not started when GT_DAEMON_SUPERVISOR=systemd (the unit gt daemon install writes) or GT_DAEMON_KEEPER=0.',
    'Its lines go to daemon/daemon.log.',
  ].join('\n'),
};

export async function run(ctx: CommandContext): Promise<number> {
  return runKeeper(townLayout(ctx.town()));
}

import type { CommandContext, CommandSpec } from '../spec.js';
import { runDaemon } from '../../daemon/run.js';

export const spec: CommandSpec = {
  usage: 'gt daemon run [--town DIR]',
  description: "Run the daemon in the foreground (what 'gt daemon start' runs detached). Log lines also go to stderr on a terminal.",
  details: [
    'signals: TERM/INT stop after the current tick; USR1 tick now; HUP reload settings/config.json;',
    '         USR2 reload restart state.',
    'exit: 0 after a clean stop; 1 if another daemon holds the lock or start-up failed.',
  ].join('\n'),
};

export async function run(ctx: CommandContext): Promise<number> {
  return runDaemon(ctx.town(), { echo: Boolean(process.stderr.isTTY) });
}

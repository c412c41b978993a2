import type { CommandContext, CommandSpec } from '../spec.js';
import { callMethod } from '../../control/client.js';
import { NOTIFY } from '../../control/protocol/messages/notify.js';
import { townLayout } from '../../town/layout.js';

export const spec: CommandSpec = {
  usage: 'gt daemon notify --event=NAME [--session=NAME] [--pane=ID] [--town DIR]',
  description:
    "Tell the daemon a session or pane just ended, so it reconciles at once instead of at the next interval. Run by tmux's pane-exited and session-closed hooks, which the daemon installs on the town's server; harmless to run by hand.",
  options: {
    event: { type: 'string', arg: 'NAME', description: 'the tmux hook that fired' },
    session: { type: 'string', arg: 'NAME', description: 'the session, when tmux knows it' },
    pane: { type: 'string', arg: 'ID', description: 'the pane id (%N), when tmux knows it' },
  },
  details: 'Always exits 0: a hook must never make tmux show an error. Nothing happens if no daemon runs.',
};

export async function run(ctx: CommandContext): Promise<number> {
  const params = {
    event: String(ctx.args.values.event ?? 'manual'),
    ...(ctx.args.values.session ? { session: String(ctx.args.values.session) } : {}),
    ...(ctx.args.values.pane ? { pane: String(ctx.args.values.pane) } : {}),
  };
  try {
    await callMethod(townLayout(ctx.town()).controlSocket, NOTIFY, params, { timeoutMs: 2_000 });
  } catch {
    // No daemon, or a busy one: the interval tick is the safety net.
  }
  return 0;
}

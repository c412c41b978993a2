import type { CommandContext, CommandSpec } from '../spec.js';
import { GtError, UsageError } from '../../errors.js';
import { identityFromEnv, touchAgent, withLedger } from '../../ledger/index.js';
import { townLayout } from '../../town/layout.js';
import { signalVerifiedDaemon, type DaemonNotice } from '../../daemon/probe.js';
import { printJson } from '../output.js';

export const spec: CommandSpec = {
  usage: 'gt handoff [--cycle | --restart | --shutdown] [--town DIR] [--json]',
  description:
    "From inside an agent session: ask the daemon to cycle (default), restart or shut down this session. Mails deacon/ with subject 'LIFECYCLE: <identity> requesting <action>' and body {\"action\": ...}, then wakes the daemon with SIGUSR1 (only the verified daemon pid).",
  options: {
    cycle: { type: 'boolean', description: 'kill and start this session again (default)' },
    restart: { type: 'boolean', description: 'the same as --cycle, recorded as a restart' },
    shutdown: { type: 'boolean', description: 'stop this session' },
    json: { type: 'boolean', description: 'print {message, action, signalled} as JSON' },
  },
  details: 'If the daemon is not running the request stays in deacon/ mail until it starts (exit 0, with a note).',
};

export async function run(ctx: CommandContext): Promise<number> {
  const chosen = (['cycle', 'restart', 'shutdown'] as const).filter((a) => ctx.args.values[a]);
  if (chosen.length > 1) throw new UsageError(`handoff: choose one of --cycle, --restart, --shutdown (got ${chosen.map((c) => `--${c}`).join(' ')})`);
  const action = chosen[0] ?? 'cycle';
  const who = identityFromEnv(process.env);
  if (!who) throw new GtError('INVALID_INPUT', 'gt handoff runs inside an agent session (GT_ROLE is not set)', { hint: 'use gt nudge or gt daemon restart from outside' });
  const layout = townLayout(ctx.town());
  const msg = withLedger(layout, (l) =>
    l.sendMail({ from: who.address, to: 'deacon/', subject: `LIFECYCLE: ${who.address} requesting ${action}`, body: JSON.stringify({ action }) }),
  );
  // Everything else first: the SIGUSR1 makes the daemon recycle this very session at once, and
  // this process (running inside it) may not outlive that by much.
  try {
    touchAgent(layout, process.env);
  } catch {
    // Best effort: the request is mailed; a missed heartbeat refresh must not stop the wake-up.
  }
  const report = (signalled: number | null, notice?: DaemonNotice) => {
    // Not running, and running but not provably the daemon (never signalled), are told apart.
    const refused = !signalled && notice?.pid != null ? (notice.reason ?? 'unknown').replace(/^not signalled: /, '') : null;
    if (ctx.json) printJson({ message: msg.id, action, signalled, ...(refused ? { not_signalled: refused } : {}) });
    else {
      ctx.out(`lifecycle request ${msg.id}: ${who.address} requesting ${action}`);
      if (signalled) ctx.out(`daemon woken (pid ${signalled})`);
      else if (refused) ctx.out(`note: the daemon (pid ${notice?.pid}) answers but was not signalled: ${refused}; it acts on the request at its next tick`);
      else ctx.out('note: the daemon is not running; it will act on the request when it starts');
    }
  };
  // Reported before the signal goes out: the daemon then recycles this very session at once.
  let reported = false;
  const notice = await signalVerifiedDaemon(layout, 'SIGUSR1', {
    beforeSignal: (pid) => {
      report(pid);
      reported = true;
    },
  });
  if (!reported) report(null, notice);
  return 0;
}

import type { CommandContext, CommandSpec } from '../spec.js';
import { engageEstop, readEstop } from '../../daemon/estop.js';
import { callMethod } from '../../control/client.js';
import { STATUS } from '../../control/protocol/messages/index.js';
import { townLayout } from '../../town/layout.js';
import { UsageError } from '../../errors.js';
import { oneLine } from '../../safe-text.js';
import { printJson } from '../output.js';

export const spec: CommandSpec = {
  usage: 'gt estop [--reason TEXT] [--status] [--town DIR] [--json]',
  description:
    "Emergency stop: create <town>/ESTOP and tell the daemon. While it is set the daemon starts, kills and nudges no agent (running sessions are left as they are). 'gt thaw' ends it.",
  options: {
    reason: { type: 'string', arg: 'TEXT', description: 'why (recorded in the ESTOP file)' },
    status: { type: 'boolean', description: 'only report whether ESTOP is set; change nothing' },
    json: { type: 'boolean', description: 'print {set, path, created_at, by, reason, changed, held_in_memory, file_error, daemon} as JSON' },
  },
  details:
    "Setting it again is not an error (exit 0; the first record is kept). The daemon is told over its control socket, so it acts at once. When the file cannot be written (a read-only or full disk) the running daemon holds the stop in memory and writes the file as soon as it can (a daemon restart before then loses it); with no daemon to hold it, that is an error (exit 1).",
};

export async function run(ctx: CommandContext): Promise<number> {
  const layout = townLayout(ctx.town());
  if (ctx.args.values.status) {
    const r = readEstop(layout);
    let held: { since: string; reason?: string; file_error: string } | null = null;
    try {
      held = (await callMethod(layout.controlSocket, STATUS, undefined, { timeoutMs: 3_000 })).estop_held ?? null;
    } catch {
      // No daemon: only the file can say.
    }
    if (ctx.json) printJson({ ...r, set: r.set || held !== null, held_in_memory: held });
    else if (r.set) ctx.out(`ESTOP is set${describe(r)}`);
    else if (held) ctx.out(`ESTOP is held in the daemon's memory since ${held.since} (${layout.estop} could not be written: ${held.file_error})`);
    else ctx.out('ESTOP is not set');
    return 0;
  }
  const reason = typeof ctx.args.values.reason === 'string' ? ctx.args.values.reason.trim() || undefined : undefined;
  if (reason !== undefined && reason.length > 500) throw new UsageError(`--reason: at most 500 characters (got ${reason.length})`);
  const r = await engageEstop(layout, reason);
  if (ctx.json) printJson(r);
  else if (r.held_in_memory) {
    ctx.out(`ESTOP held by the daemon (pid ${r.daemon}) in memory: ${layout.estop} could not be written (${r.file_error}); the daemon writes it as soon as it can, and loses the stop if it restarts before then`);
  } else if (r.changed) ctx.out(`ESTOP set: the daemon starts, kills and nudges nothing until 'gt thaw'`);
  else ctx.out(`ESTOP was already set${describe(r)}`);
  return 0;
}

function describe(r: { created_at?: string; by?: string; reason?: string }): string {
  const parts = [r.created_at && `since ${r.created_at}`, r.by && `by ${oneLine(r.by)}`, r.reason && `reason: ${oneLine(r.reason)}`].filter(Boolean);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

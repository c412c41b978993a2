import { mkdirSync } from 'node:fs';
import type { CommandContext, CommandSpec } from '../spec.js';
import { writeDeaconHeartbeat } from '../../config/deacon-heartbeat.js';
import { townLayout } from '../../town/layout.js';
import { printJson } from '../output.js';

export const spec: CommandSpec = {
  usage: 'gt deacon heartbeat [--action TEXT] [--town DIR] [--json]',
  description:
    "Record one patrol cycle of the deacon in deacon/heartbeat.json ({timestamp, cycle, last_action}). The daemon reads it: a stale deacon with work in flight is nudged, a very stale one restarted.",
  options: {
    action: { type: 'string', arg: 'TEXT', description: 'what this cycle did (kept as last_action)' },
    json: { type: 'boolean', description: 'print the written heartbeat as JSON' },
  },
};

export async function run(ctx: CommandContext): Promise<number> {
  const layout = townLayout(ctx.town());
  mkdirSync(layout.deaconDir, { recursive: true });
  const hb = writeDeaconHeartbeat(layout.deaconHeartbeat, ctx.args.values.action as string | undefined);
  if (ctx.json) printJson(hb);
  else ctx.out(`deacon heartbeat: cycle ${hb.cycle} at ${hb.timestamp}`);
  return 0;
}

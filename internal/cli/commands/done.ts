import type { CommandContext, CommandSpec } from '../spec.js';
import { polecatDone } from '../../rig/done.js';
import { printJson } from '../output.js';

export const spec: CommandSpec = {
  usage: 'gt done [--town DIR] [--json]',
  description:
    "Inside a polecat, when the hooked work is committed: queue branch polecat/<name> for the refinery, close the work bead, clear the hook, mark the polecat done, and mail the rig's witness (DONE: ...) and refinery (MERGE_READY: ...).",
  options: { json: { type: 'boolean', description: 'print {polecat, bead, branch, queue_entry} as JSON' } },
};

export async function run(ctx: CommandContext): Promise<number> {
  const r = await polecatDone(ctx.town());
  if (ctx.json) printJson(r);
  else ctx.out(`done: ${r.bead} closed; ${r.branch} queued for merge (${r.queue_entry})`);
  return 0;
}

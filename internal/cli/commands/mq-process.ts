import type { CommandContext, CommandSpec } from '../spec.js';
import { printJson } from '../output.js';
import { oneLine } from '../../safe-text.js';
import { townLayout } from '../../town/layout.js';
import { processQueue } from '../../rig/mq.js';
import { signalVerifiedDaemon } from '../../daemon/probe.js';

export const spec: CommandSpec = {
  usage: 'gt mq process <rig> [--json]',
  description: "The refinery's job: merge each queued branch of the rig into its main branch, oldest first. A conflict leaves main untouched, marks the entry 'conflict' and mails <rig>/witness.",
  positionals: [{ name: 'rig', required: true, description: 'the rig' }],
  options: { json: { type: 'boolean', description: 'print what was processed as JSON' } },
  details: 'Exit status 0 even when entries conflict: the queue was processed; see the entries.',
};

export async function run(ctx: CommandContext): Promise<number> {
  const layout = townLayout(ctx.town());
  const r = await processQueue(layout, ctx.args.positionals[0]!);
  // A merge may finish a polecat: the daemon reaps it (and dispatches the next queued bead) now.
  if (r.processed.length) await signalVerifiedDaemon(layout, 'SIGUSR1');
  if (ctx.json) {
    printJson(r);
    return 0;
  }
  if (r.processed.length === 0) ctx.out(`rig ${r.rig}: nothing queued`);
  for (const p of r.processed) {
    if (p.status === 'merged') ctx.out(`merged ${p.branch} into ${r.main_branch} (${p.commit?.slice(0, 10)})`);
    else if (p.status === 'conflict') ctx.out(`conflict ${p.branch}: ${oneLine(p.conflict_files?.join(', ') ?? '')} (${r.main_branch} unchanged; witness mailed)`);
    else ctx.out(`failed ${p.branch}: ${oneLine(p.error ?? '')} (witness mailed)`);
  }
  return 0;
}

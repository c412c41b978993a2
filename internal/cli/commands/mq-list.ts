import type { CommandContext, CommandSpec } from '../spec.js';
import { printJson, table } from '../output.js';
import { InvalidInputError } from '../../errors.js';
import { townLayout } from '../../town/layout.js';
import { listQueue, MQ_STATUSES, type MqStatus } from '../../rig/mq.js';

export const spec: CommandSpec = {
  usage: 'gt mq list [rig] [--status S] [--json]',
  description: 'List merge queue entries, oldest first (every rig, or one).',
  positionals: [{ name: 'rig', description: 'only this rig' }],
  options: {
    status: { type: 'string', arg: 'S', description: `${MQ_STATUSES.join('|')} (default: all)` },
    json: { type: 'boolean', description: 'print the entries as a JSON array' },
  },
};

export async function run(ctx: CommandContext): Promise<number> {
  const status = ctx.args.values.status;
  if (typeof status === 'string' && !(MQ_STATUSES as readonly string[]).includes(status)) {
    throw new InvalidInputError(`unknown status ${JSON.stringify(status)}`, `use one of ${MQ_STATUSES.join(', ')}`);
  }
  const entries = listQueue(townLayout(ctx.town()), ctx.args.positionals[0], { status: status as MqStatus | undefined });
  if (ctx.json) {
    printJson(entries);
    return 0;
  }
  if (entries.length === 0) {
    ctx.out('merge queue is empty');
    return 0;
  }
  const rows = [
    ['ID', 'RIG', 'STATUS', 'BRANCH', 'BEAD', 'DETAIL'],
    ...entries.map((e) => [e.id, e.rig, e.status, e.branch, e.source_bead, e.merged_commit?.slice(0, 10) ?? (e.conflict_files.join(',') || e.error || '')]),
  ];
  for (const l of table(rows)) ctx.out(l);
  return 0;
}

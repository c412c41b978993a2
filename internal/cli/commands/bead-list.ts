import type { CommandContext, CommandSpec } from '../spec.js';
import { printJson, table } from '../output.js';
import { InvalidInputError } from '../../errors.js';
import { BEAD_STATUSES, BEAD_TYPES, type BeadStatus, type BeadType } from '../../ledger/schema.js';
import { normaliseAssignee, resolvePrefix, runWithLedger, str } from './bead-common.js';

export const spec: CommandSpec = {
  usage: 'gt bead list [--rig R] [--status S] [--type T] [--assignee A] [--json]',
  description: 'List beads, oldest first. By default: work beads (type task) that are not closed.',
  options: {
    rig: { type: 'string', arg: 'R', description: "only this rig's beads" },
    prefix: { type: 'string', arg: 'P', description: 'only beads whose id starts with P-' },
    status: { type: 'string', arg: 'S', description: `${BEAD_STATUSES.join('|')}|all (default: all but closed)` },
    type: { type: 'string', arg: 'T', description: `${BEAD_TYPES.join('|')}|all (default: task)` },
    assignee: { type: 'string', arg: 'A', description: 'only beads assigned to A (an agent address)' },
    json: { type: 'boolean', description: 'print the beads as a JSON array' },
  },
};

function pick<T extends string>(value: string | undefined, all: readonly T[], what: string): T | undefined {
  if (value === undefined || value === 'all') return undefined;
  if (!(all as readonly string[]).includes(value)) throw new InvalidInputError(`unknown ${what} ${JSON.stringify(value)}`, `use one of ${all.join(', ')}, all`);
  return value as T;
}

export async function run(ctx: CommandContext): Promise<number> {
  const statusArg = str(ctx, 'status');
  const typeArg = str(ctx, 'type');
  const status = pick<BeadStatus>(statusArg, BEAD_STATUSES, 'status');
  const type = pick<BeadType>(typeArg ?? 'task', BEAD_TYPES, 'type');
  const assignee = str(ctx, 'assignee');
  const beads = runWithLedger(ctx, ({ ledger, layout }) => {
    const rig = str(ctx, 'rig');
    const prefixArg = str(ctx, 'prefix');
    const prefix = rig !== undefined || prefixArg !== undefined ? resolvePrefix(layout, rig, prefixArg).prefix : undefined;
    return ledger.listBeads({
      type,
      status: status ?? (statusArg === 'all' ? undefined : BEAD_STATUSES.filter((s) => s !== 'closed')),
      assignee: assignee === undefined ? undefined : normaliseAssignee(assignee),
      prefix,
    });
  });
  if (ctx.json) {
    printJson(beads);
    return 0;
  }
  if (beads.length === 0) {
    ctx.out('no beads');
    return 0;
  }
  const rows = [['ID', 'STATUS', 'PRI', 'ASSIGNEE', 'TITLE'], ...beads.map((b) => [b.id, b.status, `P${b.priority}`, b.assignee ?? '-', b.title])];
  for (const l of table(rows)) ctx.out(l);
  return 0;
}

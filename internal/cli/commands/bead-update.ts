import type { CommandContext, CommandSpec } from '../spec.js';
import { printJson } from '../output.js';
import { oneLine } from '../../safe-text.js';
import { InvalidInputError, UsageError } from '../../errors.js';
import { BEAD_STATUSES, type BeadStatus } from '../../ledger/schema.js';
import type { UpdateBeadInput } from '../../ledger/beads.js';
import { normaliseAssignee, parsePriority, runWithLedger, str } from './bead-common.js';

export const spec: CommandSpec = {
  usage: 'gt bead update <id> [--title T] [--description D] [--status S] [--assignee A] [--priority N] [--json]',
  description: 'Change fields of a work bead. Only the options given change.',
  positionals: [{ name: 'id', required: true, description: 'the bead id' }],
  options: {
    title: { type: 'string', short: 't', arg: 'T', description: 'new title' },
    description: { type: 'string', short: 'd', arg: 'D', description: 'new description' },
    status: { type: 'string', arg: 'S', description: BEAD_STATUSES.join('|') },
    assignee: { type: 'string', arg: 'A', description: 'new assignee (an agent address); "" clears it' },
    priority: { type: 'string', short: 'p', arg: 'N', description: 'priority 0 (highest) .. 4' },
    json: { type: 'boolean', description: 'print the updated bead as JSON' },
  },
};

export async function run(ctx: CommandContext): Promise<number> {
  const id = ctx.args.positionals[0]!;
  const patch: UpdateBeadInput = {};
  const title = str(ctx, 'title');
  const description = str(ctx, 'description');
  const status = str(ctx, 'status');
  const assignee = str(ctx, 'assignee');
  const priority = parsePriority(str(ctx, 'priority'));
  if (title !== undefined) patch.title = title;
  if (description !== undefined) patch.description = description;
  if (status !== undefined) {
    if (!(BEAD_STATUSES as readonly string[]).includes(status)) {
      throw new InvalidInputError(`unknown status ${JSON.stringify(status)}`, `use one of ${BEAD_STATUSES.join(', ')}`);
    }
    patch.status = status as BeadStatus;
  }
  if (assignee !== undefined) patch.assignee = assignee.trim() === '' ? null : normaliseAssignee(assignee);
  if (priority !== undefined) patch.priority = priority;
  if (Object.keys(patch).length === 0) throw new UsageError('nothing to update', `usage: ${spec.usage}`);
  const bead = runWithLedger(ctx, ({ ledger }) => ledger.updateBead(id, patch));
  if (ctx.json) printJson(bead);
  else ctx.out(`updated ${bead.id}  ${bead.status}  ${oneLine(bead.title)}`);
  return 0;
}

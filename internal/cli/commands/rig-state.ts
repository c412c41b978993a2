import type { CommandContext, CommandModule, CommandSpec } from '../spec.js';
import { printJson } from '../output.js';
import { townLayout } from '../../town/layout.js';
import { setRigState, type RigStateVerb } from '../../rig/state.js';

const WHAT: Record<RigStateVerb, string> = {
  park: 'Park a rig: the daemon starts none of its agents until it is unparked (short-term).',
  unpark: 'Unpark a rig: it becomes active again and the daemon starts its agents.',
  dock: 'Dock a rig: the daemon starts none of its agents until it is undocked (long-term).',
  undock: 'Undock a rig: it becomes active again and the daemon starts its agents.',
};

/** park/unpark/dock/undock differ only in the verb; each command module is one line over this. */
export function stateCommand(verb: RigStateVerb): CommandModule {
  const spec: CommandSpec = {
    usage: `gt rig ${verb} <name> [--json]`,
    description: `${WHAT[verb]} Running sessions are not stopped.`,
    positionals: [{ name: 'name', required: true, description: 'the rig' }],
    options: { json: { type: 'boolean', description: 'print the change as JSON' } },
  };
  return {
    spec,
    async run(ctx: CommandContext): Promise<number> {
      const r = await setRigState(townLayout(ctx.town()), ctx.args.positionals[0]!, verb);
      if (ctx.json) printJson(r);
      else ctx.out(r.changed ? `rig ${r.name}: ${r.from} -> ${r.state}` : `rig ${r.name} is already ${r.state}`);
      return 0;
    },
  };
}

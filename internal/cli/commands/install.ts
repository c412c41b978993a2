import type { CommandContext, CommandSpec } from '../spec.js';
import { installTown } from '../../town/install.js';
import { printJson } from '../output.js';

export const spec: CommandSpec = {
  usage: 'gt install <dir> [--name NAME] [--agent RUNTIME] [--json]',
  description: 'Create a new town in <dir> (created if missing): mayor/, settings/ with documented defaults, daemon/.',
  positionals: [{ name: 'dir', required: true, description: 'directory for the town' }],
  options: {
    name: { type: 'string', arg: 'NAME', description: 'town name (default: the directory name)' },
    agent: { type: 'string', arg: 'RUNTIME', description: 'default agent runtime: claude (default), codex, gemini, opencode, sim' },
    json: { type: 'boolean', description: 'print the result as JSON' },
  },
  details: 'Refuses (exit 1) if <dir> already holds a town.',
};

export async function run(ctx: CommandContext): Promise<number> {
  const r = installTown(ctx.args.positionals[0]!, {
    name: ctx.args.values.name as string | undefined,
    agent: ctx.args.values.agent as string | undefined,
  });
  if (ctx.json) printJson(r);
  else {
    ctx.out(`town "${r.name}" created in ${r.root} (agent runtime: ${r.agent})`);
    ctx.out(`next: cd ${r.root} && gt daemon start`);
  }
  return 0;
}

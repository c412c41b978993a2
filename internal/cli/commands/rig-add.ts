import type { CommandContext, CommandSpec } from '../spec.js';
import { printJson } from '../output.js';
import { townLayout } from '../../town/layout.js';
import { addRig } from '../../rig/add.js';

export const spec: CommandSpec = {
  usage: 'gt rig add <name> <git-url-or-path> [--prefix P] [--agent RUNTIME] [--json]',
  description: "Add a project to the town: clone it into <name>/mayor/rig, create the refinery worktree, the witness and polecats directories, register it in mayor/rigs.json and create its agent beads.",
  positionals: [
    { name: 'name', required: true, description: 'the rig name (letters, digits, "-", "_")' },
    { name: 'git-url-or-path', required: true, description: 'a local repository or a git URL' },
  ],
  options: {
    prefix: { type: 'string', arg: 'P', description: "bead and session prefix (1-10 lowercase letters/digits); default: derived from the name" },
    agent: { type: 'string', arg: 'RUNTIME', description: "the agent runtime for this rig's roles (default: the town's)" },
    json: { type: 'boolean', description: 'print the new rig as JSON' },
  },
  details: 'A failed clone leaves nothing behind: no directory, no registry entry, no beads.',
};

export async function run(ctx: CommandContext): Promise<number> {
  const [name, source] = ctx.args.positionals as [string, string];
  const str = (k: string) => (typeof ctx.args.values[k] === 'string' ? (ctx.args.values[k] as string) : undefined);
  const r = await addRig(townLayout(ctx.town()), name, source, { prefix: str('prefix'), agent: str('agent') });
  if (ctx.json) printJson(r);
  else ctx.out(`added rig ${r.name} (prefix ${r.prefix}, main branch ${r.main_branch}) from ${r.git_url}`);
  return 0;
}

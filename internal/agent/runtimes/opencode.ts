import { writePrimingFile } from '../priming.js';
import type { RuntimePreset, StartContext, StartPlan } from './types.js';

/**
 * OpenCode (a native binary named `opencode`).
 *
 * - Updater off: OPENCODE_DISABLE_AUTOUPDATE=1 (it otherwise asks the npm registry for a newer
 *   version at every start and installs it).
 * - Permissions "bypass" (default): `--auto` (approve whatever its config does not deny).
 * - Priming: AGENTS.md in the agent's directory (listed in .git/info/exclude).
 * - First prompt: `--prompt <prompt>`. Resume: `--session <id>`, once OpenCode's session id is
 *   reported by its hooks (its plugin events are wired by its hook module, issue 9 part B).
 */
export const opencode: RuntimePreset = {
  name: 'opencode',
  command: 'opencode',
  processNames: ['opencode'],
  env: { OPENCODE_DISABLE_AUTOUPDATE: '1' },
  reportsReady: false,
  canResume: false,
  plan(ctx: StartContext): StartPlan {
    const primed = writePrimingFile(ctx.cwd, 'AGENTS.md', ctx.instructions);
    const args: string[] = [];
    if (ctx.permissions === 'bypass') args.push('--auto');
    if (ctx.firstPrompt) args.push('--prompt', ctx.firstPrompt);
    return { args, env: {}, files: [primed.path], settled: [] };
  },
};

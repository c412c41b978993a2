import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeFileAtomicSync } from '../../fsx/atomic.js';
import { writePrimingFile } from '../priming.js';
import { opencodeConfigContent, opencodePluginSource } from './opencode-plugin.js';
import type { RuntimePreset, StartContext, StartPlan } from './types.js';

/**
 * OpenCode (a native binary named `opencode`).
 *
 * - Updater off: OPENCODE_DISABLE_AUTOUPDATE=1 (it otherwise asks npm for a newer version at every
 *   start, `npm list -g` included, and installs it).
 * - Permissions "bypass" (default): `--auto` (approve whatever its config does not deny).
 * - Priming: AGENTS.md in the agent's directory (listed in .git/info/exclude).
 * - First prompt: `--prompt <prompt>`.
 * - State: gt's plugin (opencode-plugin.ts), written to the session's state dir and loaded through
 *   a `plugin` entry in OPENCODE_CONFIG_CONTENT (a person's own content there is kept). It reports
 *   start-up, turns, tool calls, permission requests and retries through agent-hook.sh; a start
 *   counts as done at its first report.
 * - Blocking screens: internal/agent/screens/opencode.ts.
 */
export const opencode: RuntimePreset = {
  name: 'opencode',
  command: 'opencode',
  processNames: ['opencode'],
  env: { OPENCODE_DISABLE_AUTOUPDATE: '1' },
  reportsReady: true,
  canResume: false,
  plan(ctx: StartContext): StartPlan {
    const primed = writePrimingFile(ctx.cwd, 'AGENTS.md', ctx.instructions);
    const files = [primed.path];
    const env: Record<string, string> = {};
    mkdirSync(ctx.stateDir, { recursive: true });
    const plugin = join(ctx.stateDir, 'gt-opencode-plugin.js');
    const content = opencodeConfigContent(ctx.env.OPENCODE_CONFIG_CONTENT, pathToFileURL(plugin).href);
    if (content !== undefined) {
      writeFileAtomicSync(plugin, opencodePluginSource(ctx.hook.script));
      files.push(plugin);
      env.OPENCODE_CONFIG_CONTENT = content;
    }
    const args: string[] = [];
    if (ctx.permissions === 'bypass') args.push('--auto');
    if (ctx.firstPrompt) args.push('--prompt', ctx.firstPrompt);
    return { args, env, files, settled: [] };
  },
};

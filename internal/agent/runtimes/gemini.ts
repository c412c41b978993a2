import { lstatSync, mkdirSync } from 'node:fs';
import { readTextBounded } from '../../fsx/read.js';
import { join } from 'node:path';
import { writeFileAtomicSync } from '../../fsx/atomic.js';
import { GEMINI_HOOK_EVENTS } from '../hooks/events.js';
import { excludeFromGit, writePrimingFile } from '../priming.js';
import { hookCommand } from './hook-command.js';
import type { RuntimePreset, StartContext, StartPlan } from './types.js';

/** First line of the settings file gt writes (Gemini CLI reads its settings as JSON with comments). */
export const GEMINI_SETTINGS_MARKER = '// gt: Gemini CLI settings written by gt for this agent (its hooks, updater off); not part of the project (listed in .git/info/exclude)';

/** The workspace settings file gt may write: absent, or written by gt before. A project's own is never touched. */
function gtOwnsSettings(path: string): boolean {
  try {
    if (!lstatSync(path).isFile()) return false;
  } catch {
    return true;
  }
  const r = readTextBounded(path, { cap: 'config', noFollow: true });
  return r.ok && r.text.split('\n', 1)[0] === GEMINI_SETTINGS_MARKER;
}

/**
 * Gemini CLI (a Node bundle, bundle/gemini.js, which relaunches itself as a child node process;
 * both are recognised by that script, never by `node`).
 *
 * Its settings layers, measured on 0.61: system defaults < user (~/.gemini/settings.json) <
 * workspace (<dir>/.gemini/settings.json, read only in a trusted folder) < system. A system
 * settings file (GEMINI_CLI_SYSTEM_SETTINGS_PATH) is read only when it and every directory above
 * it are owned by root and writable by no one else, so gt cannot hand it one. gt writes the
 * workspace layer in the agent's directory instead, kept out of git like GEMINI.md:
 * - Updater off: `general.enableAutoUpdate` and `general.enableAutoUpdateNotification` false.
 * - Hooks (state): SessionStart, BeforeAgent, AfterTool, AfterAgent and Notification run
 *   agent-hook.sh (`hooks` concatenate with the person's own; on-screen hook notices off). Gemini
 *   CLI shows a one-time notice about project hooks per directory and remembers them in its
 *   ~/.gemini/trusted_hooks.json. SessionStart fires at start-up: a start is done at that report.
 * - Trust: `--skip-trust` and GEMINI_CLI_TRUST_WORKSPACE=true trust the agent's directory (gt's)
 *   for the session only (the env also lets the workspace settings load before flags are parsed).
 * - Permissions "bypass" (default): `--yolo`.
 * - Priming: GEMINI.md in the agent's directory (listed in .git/info/exclude).
 * - First prompt: `-i <prompt>` (runs it and stays interactive).
 * - Blocking screens: internal/agent/screens/gemini.ts.
 * A project that has its own .gemini/settings.json keeps it as it is: then no hooks (the state
 * comes from the screen) and the person's updater setting; the start says so.
 */
export const gemini: RuntimePreset = {
  name: 'gemini',
  command: 'gemini',
  processNames: ['gemini'],
  env: {},
  reportsReady: true,
  canResume: false,
  plan(ctx: StartContext): StartPlan {
    const files: string[] = [];
    const settled: string[] = [];
    const settingsFile = join(ctx.cwd, '.gemini', 'settings.json');
    if (gtOwnsSettings(settingsFile)) {
      const hooks: Record<string, unknown> = {};
      for (const event of Object.keys(GEMINI_HOOK_EVENTS)) {
        hooks[event] = [{ matcher: '*', hooks: [{ name: `gt-${event}`, type: 'command', command: hookCommand(ctx, 'gemini', event), timeout: 10_000 }] }];
      }
      const settings = {
        general: { enableAutoUpdate: false, enableAutoUpdateNotification: false },
        hooksConfig: { enabled: true, notifications: false },
        hooks,
      };
      // Excluded before it exists, so no `git add -A` can ever catch it.
      excludeFromGit(ctx.cwd, settingsFile);
      mkdirSync(join(ctx.cwd, '.gemini'), { recursive: true });
      writeFileAtomicSync(settingsFile, `${GEMINI_SETTINGS_MARKER}\n${JSON.stringify(settings, null, 2)}\n`);
      files.push(settingsFile);
    } else {
      settled.push(`left the project's own ${settingsFile} as it is: no gt hooks (state from the screen), Gemini's updater as the person set it`);
    }
    files.push(writePrimingFile(ctx.cwd, 'GEMINI.md', ctx.instructions).path);
    const args = ['--skip-trust'];
    if (ctx.permissions === 'bypass') args.push('--yolo');
    if (ctx.firstPrompt) args.push('-i', ctx.firstPrompt);
    return { args, env: { GEMINI_CLI_TRUST_WORKSPACE: 'true' }, files, settled };
  },
};

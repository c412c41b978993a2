import { lstatSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonAtomicSync } from '../../fsx/atomic.js';
import { writePrimingFile } from '../priming.js';
import type { RuntimePreset, StartContext, StartPlan } from './types.js';

/** Where Gemini CLI reads its system settings (admin policy) on Linux when not told otherwise. */
export const GEMINI_SYSTEM_SETTINGS = '/etc/gemini-cli/settings.json';

/** The machine's own system settings, kept under gt's: an admin's policy must not vanish. */
function systemSettings(): Record<string, unknown> {
  try {
    if (!lstatSync(GEMINI_SYSTEM_SETTINGS).isFile()) return {};
    const v = JSON.parse(readFileSync(GEMINI_SYSTEM_SETTINGS, 'utf8')) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * Gemini CLI (a Node bundle, bundle/gemini.js: recognised by that script, never by `node`).
 *
 * - Updater off: `general.enableAutoUpdate` and `general.enableAutoUpdateNotification` false, in
 *   a system-settings file gt writes per session (GEMINI_CLI_SYSTEM_SETTINGS_PATH; system settings
 *   win over the user's, so a user setting cannot turn the updater back on). The machine's own
 *   /etc/gemini-cli/settings.json is copied in underneath gt's keys.
 * - Trust: `--skip-trust` trusts the agent's directory (gt's) for the session only.
 * - Permissions "bypass" (default): `--yolo`.
 * - Priming: GEMINI.md in the agent's directory (listed in .git/info/exclude).
 * - First prompt: `-i <prompt>` (runs it and stays interactive).
 * Gemini's own hooks and its blocking screens are wired by its screen/hook module (issue 9, part B).
 */
export const gemini: RuntimePreset = {
  name: 'gemini',
  command: 'gemini',
  processNames: ['gemini'],
  env: {},
  reportsReady: false,
  canResume: false,
  plan(ctx: StartContext): StartPlan {
    mkdirSync(ctx.stateDir, { recursive: true });
    const base = systemSettings();
    const general = typeof base.general === 'object' && base.general !== null ? (base.general as Record<string, unknown>) : {};
    const settingsFile = join(ctx.stateDir, 'gemini-system-settings.json');
    writeJsonAtomicSync(settingsFile, { ...base, general: { ...general, enableAutoUpdate: false, enableAutoUpdateNotification: false } });
    const primed = writePrimingFile(ctx.cwd, 'GEMINI.md', ctx.instructions);
    const args = ['--skip-trust'];
    if (ctx.permissions === 'bypass') args.push('--yolo');
    if (ctx.firstPrompt) args.push('-i', ctx.firstPrompt);
    return {
      args,
      env: { GEMINI_CLI_SYSTEM_SETTINGS_PATH: settingsFile },
      files: [settingsFile, primed.path],
      settled: [],
    };
  },
};

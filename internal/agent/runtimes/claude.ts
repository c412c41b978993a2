import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonAtomicSync } from '../../fsx/atomic.js';
import { trustClaudeDirectory } from '../claude-config.js';
import { CLAUDE_HOOK_EVENTS } from '../hooks/events.js';
import { hookCommand, shellCommand } from './hook-command.js';
import type { RuntimePreset, StartContext, StartPlan } from './types.js';

/**
 * Claude Code (a native binary; its process is `claude`, or its version number once it renames
 * itself).
 *
 * - Updater off: DISABLE_AUTOUPDATER=1.
 * - Long tool calls allowed: BASH_MAX_TIMEOUT_MS covers `gt ask`'s longest wait.
 * - Hooks and bypass confirmation: a settings file gt writes per session, given with
 *   `--settings` (the person's own ~/.claude/settings.json is untouched). Every hook event runs
 *   agent-hook.sh; SessionStart also runs `gt prime`, whose output Claude adds to the context, so
 *   the role is given again after a restart, a /clear or a compaction.
 * - Permissions "bypass" (default): `--dangerously-skip-permissions`; as root Claude refuses that
 *   flag unless IS_SANDBOX=1, which gt then sets, and the settings file carries
 *   `skipDangerousModePermissionPrompt` so the Bypass Permissions confirmation is not shown.
 * - Trust: the agent's directory is gt's, so gt marks it trusted in the ~/.claude.json of the HOME
 *   the agent runs with (only that entry).
 * - First prompt: the positional prompt argument. Resume: `--resume <session id>` from the
 *   SessionStart hook's session_id.
 */
export const claude: RuntimePreset = {
  name: 'claude',
  command: 'claude',
  processNames: ['claude', '<version>'],
  // BASH_MAX_TIMEOUT_MS only caps the timeout a tool call may ask for (Claude's own cap is 10m):
  // raised to cover `gt ask --timeout` (at most 24h), so a call given a longer timeout is not cut
  // before the person answers. The default timeout of a call that asks for none stays Claude's 2m.
  env: { DISABLE_AUTOUPDATER: '1', BASH_MAX_TIMEOUT_MS: String(25 * 3_600_000) },
  reportsReady: true,
  canResume: true,
  plan(ctx: StartContext): StartPlan {
    const hooks: Record<string, unknown[]> = {};
    for (const event of Object.keys(CLAUDE_HOOK_EVENTS)) {
      const cmds = [{ type: 'command', command: hookCommand(ctx, 'claude', event) }];
      if (event === 'SessionStart') cmds.push({ type: 'command', command: shellCommand([...ctx.hook.gt, 'prime']) });
      hooks[event] = [{ hooks: cmds }];
    }
    const settings: Record<string, unknown> = { hooks };
    if (ctx.permissions === 'bypass') settings.skipDangerousModePermissionPrompt = true;
    mkdirSync(ctx.stateDir, { recursive: true });
    const settingsFile = join(ctx.stateDir, 'claude-settings.json');
    writeJsonAtomicSync(settingsFile, settings);

    const env: Record<string, string> = {};
    const args = ['--settings', settingsFile];
    if (ctx.permissions === 'bypass') {
      args.push('--dangerously-skip-permissions');
      if (ctx.uid === 0) env.IS_SANDBOX = '1';
    }
    if (ctx.resumeSession) args.push('--resume', ctx.resumeSession);
    if (ctx.firstPrompt) args.push(ctx.firstPrompt);

    const settled: string[] = [];
    const trust = trustClaudeDirectory(ctx.env, ctx.cwd);
    if (trust.changed) settled.push(`trusted ${ctx.cwd} in ${trust.file}`);
    else if ('problem' in trust) settled.push(`could not mark ${ctx.cwd} trusted: ${trust.problem}`);
    return { args, env, files: [settingsFile, ...(trust.changed ? [trust.file] : [])], settled };
  },
};

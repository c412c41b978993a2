import { join } from 'node:path';
import { CODEX_HOOK_EVENTS, CODEX_NOTIFY_EVENT } from '../hooks/events.js';
import { projectFileText, writePrimingFile, isGtOwned, GT_FILE_MARKER } from '../priming.js';
import { hookArgv, hookCommand } from './hook-command.js';
import type { RuntimePreset, StartContext, StartPlan } from './types.js';

/** A TOML basic string (JSON's escapes are TOML's). */
const tomlString = (s: string): string => JSON.stringify(s);

/**
 * Codex (a Node wrapper script, codex.js, that runs a native `codex` binary; both are named
 * `codex`, so neither is confused with any other `node`).
 *
 * Everything is given on the command line with `-c key=value` (the session layer of Codex's
 * config), so the person's ~/.codex/config.toml is never rewritten:
 * - Updater off: `check_for_update_on_startup=false`, and `--no-daemon`: by default Codex starts
 *   a shared background app-server (copied into CODEX_HOME, in its own process session, with an
 *   updater loop) that outlives the agent's session and is shared by every other Codex session —
 *   killing one agent's tree then took the others down. With --no-daemon the app-server runs
 *   inside the agent's own process tree and goes with it. (Measured on 0.171.0: any `-c` override
 *   already keeps Codex off the shared server; --no-daemon says so explicitly and keeps holding
 *   if that ever changes.)
 * - Trust: `projects={"<dir>"={trust_level="trusted"}}` for the agent's directory (gt's).
 * - `allow_login_shell=false`: a login shell's /etc/profile resets PATH, and the agent's `gt`
 *   (gt's shim, first on the PATH gt starts it with) would not be found.
 * - Hooks: SessionStart, UserPromptSubmit, PostToolUse, Stop and PermissionRequest run
 *   agent-hook.sh; the notify program too (turn complete of the agent's own thread). Codex runs
 *   a hook only once a person trusted it, except with `--dangerously-bypass-hook-trust`, which gt
 *   passes only in permissions "bypass" (where the town already decided the agent runs unasked);
 *   with "ask" the person reviews gt's hooks once in Codex's /hooks screen.
 * - Permissions "bypass" (default): `--dangerously-bypass-approvals-and-sandbox`.
 * - Priming: AGENTS.md in the agent's directory (listed in .git/info/exclude). When the project
 *   has its own AGENTS.md there, gt writes AGENTS.override.md instead (which Codex reads in its
 *   place) holding the role's instructions followed by the project's file, so both reach it.
 * - First prompt: the positional prompt. Resume: `codex resume <session id>`.
 */
export const codex: RuntimePreset = {
  name: 'codex',
  command: 'codex',
  processNames: ['codex'],
  env: {},
  reportsReady: true,
  canResume: true,
  plan(ctx: StartContext): StartPlan {
    const files: string[] = [];
    const agentsMd = join(ctx.cwd, 'AGENTS.md');
    const project = isGtOwned(agentsMd) ? undefined : projectFileText(agentsMd);
    if (project !== undefined) {
      const text = `${ctx.instructions.trimEnd()}\n\n---\n\n${project.replace(GT_FILE_MARKER, '')}`;
      files.push(writePrimingFile(ctx.cwd, 'AGENTS.override.md', text).path);
    } else {
      files.push(writePrimingFile(ctx.cwd, 'AGENTS.md', ctx.instructions).path);
    }

    const config: string[] = [
      'check_for_update_on_startup=false',
      // Its commands run in the environment gt started it with (gt's `gt` first on PATH, GT_*),
      // not a login shell whose /etc/profile would reset PATH.
      'allow_login_shell=false',
      `projects={${tomlString(ctx.cwd)}={trust_level="trusted"}}`,
      `notify=[${hookArgv(ctx, 'codex', CODEX_NOTIFY_EVENT).map(tomlString).join(',')}]`,
      ...Object.keys(CODEX_HOOK_EVENTS).map((event) => `hooks.${event}=[{hooks=[{type="command",command=${tomlString(hookCommand(ctx, 'codex', event))}}]}]`),
    ];
    const flags = ['--no-daemon', ...config.flatMap((c) => ['-c', c])];
    if (ctx.permissions === 'bypass') flags.push('--dangerously-bypass-approvals-and-sandbox', '--dangerously-bypass-hook-trust');
    const prompt = ctx.firstPrompt ? [ctx.firstPrompt] : [];
    const args = ctx.resumeSession ? ['resume', ...flags, ctx.resumeSession, ...prompt] : [...flags, ...prompt];
    return { args, env: {}, files, settled: [] };
  },
};

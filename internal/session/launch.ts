import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DaemonSettings } from '../config/daemon-settings.js';
import type { Settings } from '../config/settings.js';
import type { RigsFile } from '../config/town-files.js';
import { resolveRuntime, runtimeArgv, type Runtime } from '../agent/runtimes.js';
import { applyTheme, createSession, type CreateSessionResult, type Tmux } from '../tmux/index.js';
import { roleEnv } from './env.js';
import { isTownRole } from './names.js';
import type { AgentSpec } from './resolve.js';
import { startupCommand } from './startup.js';

export interface LaunchContext {
  town: string;
  tmux: Tmux;
  settings: Settings;
  daemonSettings: DaemonSettings;
  rigs: RigsFile;
}

export type LaunchResult = CreateSessionResult & { runtime: Runtime; command: string };

/** The runtime an agent uses: role setting > rig's agent > town's agent > claude. */
export function runtimeFor(ctx: Pick<LaunchContext, 'settings' | 'rigs'>, spec: AgentSpec): Runtime {
  return resolveRuntime(ctx.settings, { role: spec.role, rigAgent: spec.rig ? ctx.rigs.rigs[spec.rig]?.agent : undefined });
}

/**
 * Start an agent's session: its runtime, env (exported, sorted, quoted) and `exec`, in its
 * working directory, themed for its rig and role. A command that dies within the health window
 * comes back as `died` with its exit status and last output, not as a silent success.
 */
export async function launchAgent(ctx: LaunchContext, spec: AgentSpec, opts: { healthWindowMs?: number } = {}): Promise<LaunchResult> {
  const runtime = runtimeFor(ctx, spec);
  const env = roleEnv({
    town: ctx.town,
    role: spec.role,
    rig: spec.rig,
    prefix: spec.prefix,
    name: spec.name,
    extra: [ctx.daemonSettings.env, runtime.env],
  });
  const command = startupCommand(env, runtimeArgv(runtime));
  const cwd = join(ctx.town, spec.workdir);
  // Town roles' directories are gt's own; a rig role's directory comes from `gt rig add`/`gt sling`
  // and its absence is an error worth reporting rather than papering over.
  // Never recreate a deleted town's directories.
  if (isTownRole(spec.role) && existsSync(join(ctx.town, 'mayor', 'town.json'))) mkdirSync(cwd, { recursive: true });
  const result = await createSession(ctx.tmux, { name: spec.session, cwd, command, healthWindowMs: opts.healthWindowMs });
  if (!result.died) await applyTheme(ctx.tmux, spec.session, { rig: spec.rig, role: spec.role, label: spec.identity });
  return { ...result, runtime, command };
}

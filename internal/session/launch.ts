import { existsSync, mkdirSync } from 'node:fs';
import { constants } from 'node:os';
import { readTextBounded } from '../fsx/read.js';
import { readHeartbeatFileAt } from '../config/heartbeat-file.js';
import { join } from 'node:path';
import type { DaemonSettings } from '../config/daemon-settings.js';
import type { Settings } from '../config/settings.js';
import type { RigsFile } from '../config/town-files.js';
import { gtMainJs, identityNames, planStart, resolveRuntime, type PlannedStart, type Runtime } from '../agent/runtimes.js';
import { writeFileAtomicSync } from '../fsx/atomic.js';
import { applyTheme, createSession, type CreateSessionResult, type Tmux } from '../tmux/index.js';
import { townLayout } from '../town/layout.js';
import { roleEnv } from './env.js';
import { isTownRole } from './names.js';
import { prime } from './prime.js';
import type { AgentSpec } from './resolve.js';
import { loadRoleDef, renderInstructions } from './roles.js';
import { startupCommand } from './startup.js';

export interface LaunchContext {
  town: string;
  tmux: Tmux;
  settings: Settings;
  daemonSettings: DaemonSettings;
  rigs: RigsFile;
}

export type LaunchResult = CreateSessionResult & { runtime: Runtime; command: string; planned: PlannedStart };

/** The runtime an agent uses: role setting > rig's agent > town's agent > claude. */
export function runtimeFor(ctx: Pick<LaunchContext, 'settings' | 'rigs'>, spec: AgentSpec): Runtime {
  return resolveRuntime(ctx.settings, { role: spec.role, rigAgent: spec.rig ? ctx.rigs.rigs[spec.rig]?.agent : undefined });
}

/**
 * The PATH an agent's program is looked up on and its session starts with: settings env (the
 * runtime's, then daemon.json's), else the PATH of the process starting it (the daemon, or
 * `gt up`). gt's own `gt` shim goes first on the session's PATH, not on this one.
 */
export function agentSearchPath(ctx: Pick<LaunchContext, 'daemonSettings'>, rt: Pick<Runtime, 'env'>): string {
  return rt.env.PATH ?? ctx.daemonSettings.env.PATH ?? process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin';
}

/** The names liveness knows this agent's processes by (including its program's own path). */
export function agentProcessNames(ctx: Pick<LaunchContext, 'settings' | 'rigs' | 'daemonSettings'>, spec: AgentSpec): string[] {
  const rt = runtimeFor(ctx, spec);
  return identityNames(rt, agentSearchPath(ctx, rt));
}

/**
 * `<town>/.runtime/bin/gt`: runs the gt that starts the agents (same node, same build), so what an
 * agent types as `gt` is the town's gt whatever is (or is not) on the PATH.
 */
export function ensureGtShim(town: string): string {
  const dir = townLayout(town).agentBinDir;
  const shim = join(dir, 'gt');
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const text = `#!/bin/sh\n# Written by gt: the town's gt for its agents.\nexec ${q(process.execPath)} ${q(gtMainJs())} "$@"\n`;
  let cur: string | undefined;
  try {
    const r = readTextBounded(shim, { cap: 'small', noFollow: true });
    cur = r.ok ? r.text : undefined;
  } catch {
    cur = undefined;
  }
  if (cur !== text) {
    mkdirSync(dir, { recursive: true });
    writeFileAtomicSync(shim, text, 0o755);
  }
  return dir;
}

/** The conversation id the CLI's SessionStart hook recorded for this session, if any. */
export function lastConversation(town: string, session: string): string | undefined {
  try {
    // Written by the CLI's hook inside the agent's session: a small regular file, or nothing.
    const r = readTextBounded(join(townLayout(town).agentStateDir(session), 'session-id'), { cap: 'small', noFollow: true });
    const id = r.ok ? r.text.trim() : '';
    return /^[A-Za-z0-9_-]{1,128}$/.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

/** The role's first prompt with the town's values filled in (undefined for roles without one). */
export function firstPromptFor(town: string, spec: AgentSpec): string | undefined {
  const def = loadRoleDef(spec.role);
  if (!def.first_prompt) return undefined;
  return renderInstructions(def.first_prompt, { town, role: spec.role, identity: spec.identity, session: spec.session, rig: spec.rig, name: spec.name, prefix: spec.prefix });
}

/**
 * Start an agent's session: its runtime's program resolved on the agent's PATH, its role given
 * the way its CLI reads it, its hooks wired to its heartbeat file, env exported (sorted, quoted)
 * and `exec`, in its working directory, themed for its rig and role. A command that dies within
 * the health window comes back as `died` with its exit status and last output lines.
 */
export async function launchAgent(ctx: LaunchContext, spec: AgentSpec, opts: { healthWindowMs?: number } = {}): Promise<LaunchResult> {
  const runtime = runtimeFor(ctx, spec);
  const layout = townLayout(ctx.town);
  const cwd = join(ctx.town, spec.workdir);
  // Town roles' directories are gt's own; a rig role's directory comes from `gt rig add`/`gt sling`
  // and its absence is an error worth reporting rather than papering over.
  // Never recreate a deleted town's directories.
  if (isTownRole(spec.role) && existsSync(join(ctx.town, 'mayor', 'town.json'))) mkdirSync(cwd, { recursive: true });
  const searchPath = agentSearchPath(ctx, runtime);
  // The agent sees the HOME and PATH of whoever starts it (normally the daemon), said explicitly
  // so its session does not inherit whatever the tmux server was started with.
  const base: Record<string, string> = { PATH: `${ensureGtShim(ctx.town)}:${searchPath}` };
  if (process.env.HOME) base.HOME = process.env.HOME;
  const envOpts = { town: ctx.town, role: spec.role, rig: spec.rig, prefix: spec.prefix, name: spec.name };
  const agentEnv = roleEnv({ ...envOpts, extra: [base, ctx.daemonSettings.env, runtime.env] });
  const planned = planStart(runtime, {
    town: ctx.town,
    role: spec.role,
    identity: spec.identity,
    session: spec.session,
    ...(spec.rig ? { rig: spec.rig } : {}),
    ...(spec.name ? { name: spec.name } : {}),
    cwd,
    stateDir: layout.agentStateDir(spec.session),
    env: agentEnv,
    instructions: runtime.preset && runtime.name !== 'sim' ? prime(ctx.town, spec).instructions : '',
    firstPrompt: firstPromptFor(ctx.town, spec),
    resumeSession: runtime.resume ? lastConversation(ctx.town, spec.session) : undefined,
    uid: process.getuid?.() ?? 1000,
    searchPath,
  });
  const env = roleEnv({ ...envOpts, extra: [base, ctx.daemonSettings.env, planned.env] });
  const command = startupCommand(env, planned.argv);
  const startedAt = Date.now();
  const result = await createSession(ctx.tmux, {
    name: spec.session,
    cwd,
    command,
    healthWindowMs: opts.healthWindowMs,
    ...(runtime.preset?.reportsReady ? { readyWhen: () => reportedSince(layout.heartbeatFile(spec.session), startedAt) } : {}),
  });
  if (!result.died) await applyTheme(ctx.tmux, spec.session, { rig: spec.rig, role: spec.role, label: spec.identity });
  return { ...result, runtime, command, planned };
}

/** Has the agent reported (its heartbeat file written) since `t`? Its CLI's hooks are running: it is up. */
function reportedSince(file: string, t: number): boolean {
  try {
    // The one heartbeat reader: bounded, never blocking on a FIFO an agent left there.
    const hb = readHeartbeatFileAt(file, file);
    return hb !== undefined && Date.parse(hb.timestamp) >= t - 1;
  } catch {
    return false;
  }
}

/**
 * The one description of an agent that died in its health window (the daemon's starts, `gt up`
 * through it, `gt sling`): how the program ended and its last output lines (up to ~20, joined
 * with " | "), so the real cause (an ENOTFOUND above a vendor's closing words) is kept in the
 * log, the restart record and the mail.
 */
export function describeStartFailure(r: Extract<LaunchResult, { died: true }>, maxLines = 20): string {
  const how = r.exitStatus !== undefined ? `exited with status ${r.exitStatus}` : r.signal !== undefined ? `was killed by ${signalName(r.signal)}` : 'died at once';
  const lines = r.output
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== '')
    .slice(-maxLines);
  return `${r.runtime.command} ${how}${lines.length ? `; last output: ${lines.join(' | ')}` : ''}`;
}

/** A signal number as people know it (9 -> SIGKILL); the number when the platform has no name for it. */
export function signalName(signal: number): string {
  const found = Object.entries(constants.signals).find(([, n]) => n === signal);
  return found ? found[0] : `signal ${signal}`;
}


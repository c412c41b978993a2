import { join } from 'node:path';
import { RUNTIME_PRESETS, type Role, type RuntimePreset as PresetName } from '../config/roles.js';
import type { Settings } from '../config/settings.js';
import { packageRoot } from '../fsx/package-root.js';
import { InvalidInputError } from '../errors.js';
import { findCommand, resolveCommand } from './command-path.js';
import { agentHookScript } from './hooks/events.js';
import { claude } from './runtimes/claude.js';
import { codex } from './runtimes/codex.js';
import { gemini } from './runtimes/gemini.js';
import { opencode } from './runtimes/opencode.js';
import { sim } from './runtimes/sim.js';
import type { PermissionMode, RuntimePreset, StartContext, StartPlan } from './runtimes/types.js';

/**
 * Agent runtimes: what program a role session runs and how liveness recognises it (design
 * section 7). The presets (one module per CLI under runtimes/) ship with gt; settings/config.json
 * `agents.<name>` adds custom runtimes or adjusts a preset of the same name.
 */

/** The presets, by name: a table, not a switch. A new CLI is one module and one row here. */
export const PRESETS: Readonly<Record<PresetName, RuntimePreset>> = { claude, codex, gemini, opencode, sim };

export interface Runtime {
  name: string;
  /** Program to exec: a name looked up on the agent's PATH, or an absolute path. */
  command: string;
  /** Arguments gt always passes before the preset's own (custom runtimes: all of them). */
  args: string[];
  /**
   * Names that show the agent is running when they are the pane's current command or any
   * process in its tree (comm, argv[0] or script basename, an absolute program or script path,
   * a simple glob, or `<version>`; matched by process-names.ts).
   */
  processNames: string[];
  /** Extra env for the session (below gt's own variables). */
  env: Record<string, string>;
  /** 'preset' for gt's built-ins (adjusted or not by settings), 'custom' for a runtime settings define. */
  source: 'preset' | 'custom';
  /** The preset's behaviour (priming, hooks, trust, updater switches); absent for custom runtimes. */
  preset?: RuntimePreset;
  permissions: PermissionMode;
  /** restart.resume: a restart resumes the last conversation (only where the CLI can). */
  resume: boolean;
}

export interface PresetOptions {
  /** The node binary the sim runs with (default: this process's). */
  execPath?: string;
  /** The gt package root, for the sim's built entry point. */
  root?: string;
}

/** The built CLI entry point, which `gt sim` and agents' hooks run. */
export function gtMainJs(root: string = packageRoot()): string {
  return join(root, 'dist', 'cmd', 'gt', 'main.js');
}

function isPresetName(name: string): name is PresetName {
  return (RUNTIME_PRESETS as readonly string[]).includes(name);
}

export function presetRuntime(name: string, opts: PresetOptions = {}): Runtime | undefined {
  if (!isPresetName(name)) return undefined;
  const preset = PRESETS[name];
  const base = { name, processNames: [...preset.processNames], env: { ...preset.env }, source: 'preset' as const, preset, permissions: 'bypass' as const, resume: false };
  // The sim is gt itself: the node running gt and the built entry point, never a PATH lookup.
  if (name === 'sim') return { ...base, command: opts.execPath ?? process.execPath, args: [gtMainJs(opts.root), 'sim'] };
  return { ...base, command: preset.command, args: [] };
}

/** Every runtime name a town can use: presets plus settings `agents`. */
export function runtimeNames(settings: Pick<Settings, 'agents'>): string[] {
  return [...new Set([...RUNTIME_PRESETS, ...Object.keys(settings.agents)])].sort();
}

/** Look up a runtime by name. Unknown names are an InvalidInputError listing the valid ones. */
export function getRuntime(settings: Pick<Settings, 'agents'>, name: string, opts: PresetOptions = {}): Runtime {
  const custom = Object.prototype.hasOwnProperty.call(settings.agents, name) ? settings.agents[name] : undefined;
  const preset = presetRuntime(name, opts);
  if (preset && custom) {
    return {
      ...preset,
      command: custom.command ?? preset.command,
      args: [...preset.args, ...custom.args],
      processNames: [...new Set([...preset.processNames, ...custom.process_names, ...(custom.command ? [basename(custom.command)] : [])])],
      env: { ...preset.env, ...custom.env },
      permissions: custom.permissions ?? preset.permissions,
      resume: (custom.restart?.resume ?? false) && preset.preset!.canResume,
    };
  }
  if (preset) return preset;
  if (custom?.command) {
    return {
      name,
      command: custom.command,
      args: [...custom.args],
      // A custom runtime without process names is recognised by its command's basename.
      processNames: custom.process_names.length ? [...custom.process_names] : [basename(custom.command)],
      env: { ...custom.env },
      source: 'custom',
      permissions: custom.permissions ?? 'bypass',
      resume: false,
    };
  }
  throw new InvalidInputError(
    `unknown agent runtime ${JSON.stringify(name)}`,
    `use one of ${runtimeNames(settings).join(', ')}, or define it under "agents" in settings/config.json`,
  );
}

export type RuntimeSource = 'role' | 'rig' | 'town' | 'default';

export interface ResolveOptions {
  role: Role;
  /** The rig's `agent` from mayor/rigs.json, if the role runs in a rig that sets one. */
  rigAgent?: string;
}

/**
 * Which runtime a role uses: settings `roles.<role>.agent` > the rig's `agent` (rigs.json) >
 * settings `agent` (the town's) > "claude".
 */
export function resolveRuntimeName(
  settings: Pick<Settings, 'roles'> & { agent?: string },
  opts: ResolveOptions,
): { name: string; source: RuntimeSource } {
  const roleAgent = settings.roles[opts.role]?.agent;
  if (roleAgent) return { name: roleAgent, source: 'role' };
  if (opts.rigAgent) return { name: opts.rigAgent, source: 'rig' };
  if (settings.agent) return { name: settings.agent, source: 'town' };
  return { name: 'claude', source: 'default' };
}

export function resolveRuntime(
  settings: Pick<Settings, 'roles' | 'agents'> & { agent?: string },
  opts: ResolveOptions & PresetOptions,
): Runtime {
  const { name, source } = resolveRuntimeName(settings, opts);
  try {
    return getRuntime(settings, name, opts);
  } catch (e) {
    if (e instanceof InvalidInputError) {
      const where = {
        role: `settings/config.json roles.${opts.role}.agent`,
        rig: 'the rig\'s "agent" in mayor/rigs.json',
        town: 'settings/config.json "agent"',
        default: 'the default',
      }[source];
      throw new InvalidInputError(`${e.message} (from ${where})`, e.hint);
    }
    throw e;
  }
}

/**
 * The names liveness recognises a runtime's agent by, with the program's own path as found on
 * `searchPath` (so a Node-based CLI is known by its script's path, not by `node`).
 */
export function identityNames(rt: Runtime, searchPath: string): string[] {
  const found = findCommand(rt.command, searchPath);
  return found && !rt.processNames.includes(found) ? [...rt.processNames, found] : rt.processNames;
}

/** The argv a custom runtime execs (a preset's comes from planStart). */
export function runtimeArgv(rt: Runtime): string[] {
  return [rt.command, ...rt.args];
}

export interface PlannedStart {
  /** The program (absolute) and its arguments. */
  argv: string[];
  /** The runtime's env and the preset's, for the session (below gt's own variables). */
  env: Record<string, string>;
  plan: StartPlan;
}

/**
 * Plan one start: the program resolved on the agent's PATH (a missing one is a clear
 * CommandNotFoundError, not a pane that dies with exit 127), then the preset's arguments, env and
 * files (hooks, instructions, trust). Custom runtimes run exactly what settings say.
 */
export function planStart(rt: Runtime, ctx: Omit<StartContext, 'program' | 'permissions' | 'hook'> & { searchPath: string; root?: string }): PlannedStart {
  const program = resolveCommand(rt.command, ctx.searchPath, rt.name);
  const hook = { script: agentHookScript(ctx.root), gt: [process.execPath, gtMainJs(ctx.root)] };
  if (!rt.preset) return { argv: [program, ...rt.args], env: { ...rt.env }, plan: { args: [], env: {}, files: [], settled: [] } };
  const plan = rt.preset.plan({ ...ctx, program, permissions: rt.permissions, hook, resumeSession: rt.resume ? ctx.resumeSession : undefined });
  return { argv: [program, ...rt.args, ...plan.args], env: { ...plan.env, ...rt.env }, plan };
}


function basename(p: string): string {
  const i = p.lastIndexOf('/');
  return i >= 0 ? p.slice(i + 1) : p;
}

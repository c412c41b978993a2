import { join } from 'node:path';
import { RUNTIME_PRESETS, type Role } from '../config/roles.js';
import type { Settings } from '../config/settings.js';
import { packageRoot } from '../fsx/package-root.js';
import { InvalidInputError } from '../errors.js';

/**
 * Agent runtimes: what program a role session runs and how liveness recognises it
 * (design section 7). Presets ship with gt; settings/config.json `agents.<name>` adds custom
 * runtimes or overrides a preset of the same name (e.g. to change claude's arguments).
 */

/**
 * Process-name token for "a version number": Claude Code's process renames itself to its
 * version (e.g. `2.1.197`), so its pane's current command is that string. Liveness treats this
 * token in `processNames` as the pattern VERSION_NAME_RE instead of a literal name; use
 * `processNameMatches` rather than comparing strings.
 */
export const VERSION_TOKEN = '<version>';
export const VERSION_NAME_RE = /^\d+\.\d+\.\d+$/;

export interface Runtime {
  name: string;
  /** Program to exec (looked up on PATH unless absolute). */
  command: string;
  args: string[];
  /**
   * Names that show the agent is running when they are the pane's current command or any
   * process in its tree (exact comm / argv[0] basename, or VERSION_TOKEN).
   */
  processNames: string[];
  /** Extra env for the session (below gt's own variables). */
  env: Record<string, string>;
  /** 'preset' for gt's built-ins, 'custom' when settings define (or override) it. */
  source: 'preset' | 'custom';
}

export interface PresetOptions {
  /** Effective uid; defaults to this process's. Claude refuses its skip-permissions flag as root. */
  uid?: number;
  /** The node binary the sim runs with (default: this process's). */
  execPath?: string;
  /** The gt package root, for the sim's built entry point. */
  root?: string;
}

/** The built CLI entry point, which `gt sim` runs from. */
export function gtMainJs(root: string = packageRoot()): string {
  return join(root, 'dist', 'cmd', 'gt', 'main.js');
}

export function presetRuntime(name: string, opts: PresetOptions = {}): Runtime | undefined {
  const uid = opts.uid ?? process.getuid?.();
  switch (name) {
    case 'claude':
      return {
        name,
        command: 'claude',
        // Claude Code exits with an error when given this flag as root; there it asks instead.
        args: uid === 0 ? [] : ['--dangerously-skip-permissions'],
        processNames: ['claude', 'node', VERSION_TOKEN],
        env: {},
        source: 'preset',
      };
    case 'codex':
      return { name, command: 'codex', args: ['--dangerously-bypass-approvals-and-sandbox'], processNames: ['codex', 'node'], env: {}, source: 'preset' };
    case 'gemini':
      return { name, command: 'gemini', args: ['--yolo'], processNames: ['gemini', 'node'], env: {}, source: 'preset' };
    case 'opencode':
      return { name, command: 'opencode', args: [], processNames: ['opencode', 'node', 'bun'], env: {}, source: 'preset' };
    case 'sim':
      // The sim sets process.title = 'gt-sim'; on Linux that rewrites both /proc/<pid>/comm
      // and cmdline (checked on Node 20), so tmux's pane_current_command and the /proc scan see
      // "gt-sim". Its setsid test child calls itself "gt-sim-child" so it never counts as the agent.
      return {
        name,
        command: opts.execPath ?? process.execPath,
        args: [gtMainJs(opts.root), 'sim'],
        processNames: ['gt-sim'],
        env: {},
        source: 'preset',
      };
    default:
      return undefined;
  }
}

/** Every runtime name a town can use: presets plus settings `agents`. */
export function runtimeNames(settings: Pick<Settings, 'agents'>): string[] {
  return [...new Set([...RUNTIME_PRESETS, ...Object.keys(settings.agents)])].sort();
}

/** Look up a runtime by name. Unknown names are an InvalidInputError listing the valid ones. */
export function getRuntime(settings: Pick<Settings, 'agents'>, name: string, opts: PresetOptions = {}): Runtime {
  const custom = Object.prototype.hasOwnProperty.call(settings.agents, name) ? settings.agents[name] : undefined;
  if (custom) {
    return {
      name,
      command: custom.command,
      args: [...custom.args],
      // A custom runtime without process names is recognised by its command's basename.
      processNames: custom.process_names.length ? [...custom.process_names] : [basename(custom.command)],
      env: { ...custom.env },
      source: 'custom',
    };
  }
  const preset = presetRuntime(name, opts);
  if (preset) return preset;
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

/** The argv a session execs for this runtime. */
export function runtimeArgv(rt: Runtime): string[] {
  return [rt.command, ...rt.args];
}

/** Does a process name (comm, or argv[0]'s basename) match one of a runtime's process names? */
export function processNameMatches(processNames: readonly string[], name: string): boolean {
  for (const p of processNames) {
    if (p === VERSION_TOKEN ? VERSION_NAME_RE.test(name) : p === name) return true;
  }
  return false;
}

function basename(p: string): string {
  const i = p.lastIndexOf('/');
  return i >= 0 ? p.slice(i + 1) : p;
}

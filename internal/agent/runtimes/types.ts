import type { Role } from '../../config/roles.js';

/**
 * What a runtime preset (one agent CLI) tells gt: how to start it, how to recognise its
 * processes, how to keep it from updating itself, how to give it its role, and how its own
 * hooks report its state. One module per CLI implements this; runtimes.ts holds the table.
 */

export type PermissionMode = 'bypass' | 'ask';

/** Everything a preset may need to plan one start of one agent. */
export interface StartContext {
  /** Town root (absolute). */
  town: string;
  role: Role;
  identity: string;
  session: string;
  rig?: string;
  name?: string;
  /** The agent's working directory (absolute). */
  cwd: string;
  /** A directory gt owns for this session's generated files (settings, hook config), outside any worktree. */
  stateDir: string;
  /** The environment the agent will run with (gt's variables, HOME and PATH included). */
  env: Readonly<Record<string, string>>;
  /** The resolved program (absolute path). */
  program: string;
  permissions: PermissionMode;
  /** The role's instructions (what `gt prime` prints). */
  instructions: string;
  /** The first prompt that starts the role's loop; undefined for roles a person drives (crew). */
  firstPrompt?: string;
  /** A conversation to resume (restart.resume on and the CLI reported one), else a fresh start. */
  resumeSession?: string;
  /** How hooks call gt's heartbeat hook script and gt itself (no PATH lookup). */
  hook: { script: string; gt: readonly string[] };
  /** Effective uid gt runs as (Claude refuses its bypass flag as root unless told it is sandboxed). */
  uid: number;
}

/** What a preset decided for one start. */
export interface StartPlan {
  /** Arguments after the program. */
  args: string[];
  /** Environment on top of the agent's (below gt's own variables, which always win). */
  env: Record<string, string>;
  /** Files written (absolute paths), for logs and tests. */
  files: string[];
  /**
   * Changes gt made to the CLI's own persistent files because the town decided them (e.g.
   * "trusted /town/rig/polecats/x in /home/me/.claude.json"), or why it could not: logged, never silent.
   * Per-session flags (Codex's -c, Gemini's --skip-trust) change no file and are not listed.
   */
  settled: string[];
}

export interface RuntimePreset {
  name: string;
  /** The program, looked up on the PATH the agent starts with unless `agents.<name>.command` is absolute. */
  command: string;
  /**
   * Names its processes go by (comm, argv[0] or script basename; `<version>` for a bare version
   * number). Never a bare interpreter like `node`: Node-based CLIs are recognised by their script.
   */
  processNames: readonly string[];
  /** Environment every start gets: auto-updaters off and the like. */
  env: Readonly<Record<string, string>>;
  /**
   * Its hooks report when it is up (SessionStart): a start counts as done at that report, or when
   * the CLI dies first (a start failure, with its output), not after a fixed short window. A CLI
   * that checks its service at start (Claude Code without onboarding, ~2 s or more under load)
   * and exits when it cannot reach it is then reported as a failed start with the reason.
   */
  reportsReady: boolean;
  /** Can this CLI resume a conversation by id (restart.resume)? */
  canResume: boolean;
  /** Plan one start: arguments, environment, files written (settings, hooks, instructions, trust). */
  plan(ctx: StartContext): StartPlan;
}

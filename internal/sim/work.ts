/**
 * Extension point for the ledger issue: what the sim does with its hook.
 *
 * Each heartbeat interval the sim calls its WorkHook once (never two at a time) and writes the
 * returned state and bead into its heartbeat file. The default does nothing and reports "idle".
 * A ledger-backed hook will read the agent's hook bead, do the work in the worktree (e.g. commit
 * a file) and run `gt done` through `ctx.runGt`, returning {state: 'working', bead} meanwhile.
 */

export interface WorkContext {
  town: string;
  role?: string;
  rig?: string;
  name?: string;
  identity: string;
  session: string;
  /** Run a gt command the way the sim runs nudged `run: gt ...` lines (argv, no shell). */
  runGt(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  /** A line for the pane. */
  say(line: string): void;
}

export interface WorkStatus {
  /** Goes into the heartbeat file: idle | working | done | stuck ... */
  state: string;
  bead?: string;
}

export type WorkHook = (ctx: WorkContext) => Promise<WorkStatus>;

export const idleWork: WorkHook = async () => ({ state: 'idle' });

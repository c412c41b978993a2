/**
 * What the sim does each cycle (its "turn"), and what it then reports.
 *
 * Each heartbeat interval the sim calls its WorkHook once (never two at a time). The returned
 * state goes into its heartbeat file the way a real agent's hooks report it (the shared
 * contract): a step that made progress is written (its time is the last sign of progress); an
 * unchanged idle state is not rewritten, so an agent idle at its prompt shows since when it has
 * been idle. idleWork does nothing and reports idle; busyWork reports progress every cycle (a
 * turn that keeps working); the ledger work (ledger-work.ts) does the role's real work.
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
  /** The step did something (a sign of progress); by default: the state is `working`. */
  progress?: boolean;
}

export type WorkHook = (ctx: WorkContext) => Promise<WorkStatus>;

export const idleWork: WorkHook = async () => ({ state: 'idle' });

/** A turn that keeps going: working, with progress, every cycle (GT_SIM_WORK=busy). */
export const busyWork: WorkHook = async () => ({ state: 'working', progress: true });

import { paneTarget } from './names.js';
import type { Tmux } from './run.js';

export interface CaptureOptions {
  /** First line to capture: negative numbers reach into the scrollback (`-S`). */
  start?: number;
  /** Join wrapped lines (`-J`) so long lines read back as one. */
  join?: boolean;
  /** Keep colour escapes (`-e`). */
  escapes?: boolean;
}

/** The text of a pane (a pane id `%N`, or a session name for its active pane). */
export async function capturePane(tmux: Tmux, target: string, opts: CaptureOptions = {}): Promise<string> {
  const args = ['capture-pane', '-p', '-t', paneTarget(target)];
  if (opts.join) args.push('-J');
  if (opts.escapes) args.push('-e');
  if (opts.start !== undefined) args.push('-S', String(Math.trunc(opts.start)));
  const r = await tmux.run(args);
  return r.stdout;
}

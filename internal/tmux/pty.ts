import { createRequire } from 'node:module';
import type { IPty } from 'node-pty';
import { sessionTarget } from './names.js';
import { clientEnv, type Tmux } from './run.js';

const require = createRequire(import.meta.url);

export interface AttachPtyOptions {
  /**
   * A watching client: tmux ignores its keys (`read-only`) and its size (`ignore-size`), so a
   * viewer neither types into the agent nor reflows its screen.
   */
  readOnly: boolean;
  cols: number;
  rows: number;
}

/**
 * A tmux client attached to `session` inside a pseudo-terminal, for a person who is not at a
 * terminal (the dashboard's browser terminal). Ending it (kill, SIGHUP) detaches that client;
 * the session and its agent are never touched.
 */
export function attachPty(tmux: Tmux, session: string, opts: AttachPtyOptions): IPty {
  // Loaded here: only the dashboard's server needs the native addon.
  const pty = require('node-pty') as typeof import('node-pty');
  const args = ['-L', tmux.socket, 'attach-session', '-t', sessionTarget(session)];
  if (opts.readOnly) args.push('-f', 'read-only,ignore-size');
  return pty.spawn(tmux.bin, args, {
    name: 'xterm-256color',
    cols: opts.cols,
    rows: opts.rows,
    cwd: '/',
    env: { ...clientEnv(), TERM: 'xterm-256color' },
  });
}

/** The size of the session's current window (what a watching client shows), or undefined. */
export async function windowSize(tmux: Tmux, session: string): Promise<{ cols: number; rows: number } | undefined> {
  const r = await tmux.run(['display-message', '-p', '-t', `${sessionTarget(session)}:`, '#{window_width} #{window_height}'], { allowFailure: true });
  const m = /^(\d+) (\d+)\s*$/.exec(r.stdout);
  return r.ok && m ? { cols: Number(m[1]), rows: Number(m[2]) } : undefined;
}

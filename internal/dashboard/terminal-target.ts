import type { IPty } from 'node-pty';
import { GtError } from '../errors.js';
import { resolveAgent } from '../session/resolve.js';
import { attachPty, hasSession, Tmux, townSocketName, windowSize } from '../tmux/index.js';
import { townLayout } from '../town/layout.js';
import { readRigs } from '../town/rigs.js';

export interface TermSize {
  cols: number;
  rows: number;
}

/** What a browser terminal attaches to: one agent's tmux session on the town's server. */
export interface TerminalTarget {
  identity: string;
  session: string;
  /** The session's window size (what a watching client shows). */
  size(): Promise<TermSize>;
  /** A tmux client in a pty: read-only and size-neutral when watching, a normal client in control. */
  attach(mode: 'watch' | 'control', size: TermSize): IPty;
}

const DEFAULT_SIZE: TermSize = { cols: 100, rows: 30 };

/** Resolve an agent the way `gt attach` does; NOT_FOUND when it has no session right now. */
export async function agentTerminal(town: string, input: string): Promise<TerminalTarget> {
  const spec = resolveAgent(input, readRigs(townLayout(town)));
  const tmux = new Tmux(townSocketName(town));
  if (!(await hasSession(tmux, spec.session))) {
    throw new GtError('NOT_FOUND', `${spec.identity} has no session (${spec.session})`, { hint: 'it may be restarting; try again in a moment' });
  }
  return {
    identity: spec.identity,
    session: spec.session,
    size: async () => (await windowSize(tmux, spec.session)) ?? DEFAULT_SIZE,
    attach: (mode, size) => attachPty(tmux, spec.session, { readOnly: mode === 'watch', ...size }),
  };
}

import { blockingScreen, type ScreenVerdict } from '../agent/screens/index.js';
import { capturePanes, type Tmux } from '../tmux/index.js';

export interface ScreenTarget {
  /** A pane id (`%N`) or a session name (its active pane). */
  target: string;
  /** The agent's runtime name; undefined when its settings could not say (every recogniser looks). */
  runtime: string | undefined;
}

/**
 * The blocking screens of many agents, read in one tmux call (capturePanes) and recognised per
 * runtime (agent/screens). Per target: the verdict, null when the screen blocks nothing, or
 * undefined when the pane could not be read (gone, too large); never a guess. For the state model
 * (`gt agents`, the daemon): one subprocess however many agents.
 */
export async function readBlockingScreens(tmux: Tmux, targets: readonly ScreenTarget[], opts: { now?: number } = {}): Promise<Map<string, ScreenVerdict | null | undefined>> {
  const captures = await capturePanes(tmux, targets.map((t) => t.target));
  const now = opts.now ?? Date.now();
  const out = new Map<string, ScreenVerdict | null | undefined>();
  for (const t of targets) {
    const c = captures.get(t.target);
    out.set(t.target, c?.ok ? blockingScreen(t.runtime, c.text, { now }) : undefined);
  }
  return out;
}

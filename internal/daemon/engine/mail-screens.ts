import { messageOf } from '../../errors.js';
import { capturePane, type Tmux } from '../../tmux/index.js';
import type { Action } from '../policy/index.js';

/** How many of a screen's last non-blank lines a mail carries, and how long each may be. */
const SCREEN_LINES = 20;
const LINE_MAX = 200;

/**
 * Mail that asks for it (`screenOf`) gets the last lines of that session's screen appended: what
 * a person would see on `gt attach`, read right before the mail is sent. decide stays pure; this
 * is the one tmux read it asks for. A session that is gone says so instead.
 */
export async function withScreens(tmux: Tmux, actions: readonly Action[]): Promise<Action[]> {
  return Promise.all(
    actions.map(async (a) => {
      if (a.type !== 'mail' || a.screenOf === undefined) return a;
      let tail: string;
      try {
        const lines = (await capturePane(tmux, a.screenOf, { join: true }))
          .split('\n')
          .map((l) => l.trimEnd())
          .filter((l) => l.trim() !== '');
        tail = lines.length
          ? lines
              .slice(-SCREEN_LINES)
              .map((l) => `  ${l.length > LINE_MAX ? `${l.slice(0, LINE_MAX)}…` : l}`)
              .join('\n')
          : '  (blank)';
      } catch (e) {
        tail = `  (no screen: ${messageOf(e).split('\n')[0]})`;
      }
      return { ...a, body: `${a.body}last screen lines (${a.screenOf}):\n${tail}\n` };
    }),
  );
}

import { randomBytes } from 'node:crypto';
import { isNoServerMessage, isNotFoundMessage } from './errors.js';
import { paneTarget } from './names.js';
import { tmuxFailure, type Tmux } from './run.js';

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

export interface CapturePanesOptions {
  /** Join wrapped lines (`-J`); default true, as the screen recognisers read them. */
  join?: boolean;
  /** Keep at most this many characters of each pane, from its bottom (default 64 KiB). */
  maxCharsPerPane?: number;
  /** Bound on one tmux call's output (default 16 MiB); a batch past it is split in two. */
  maxBuffer?: number;
  timeoutMs?: number;
}

export type PaneCapture =
  /** The visible screen, rows right-trimmed; `truncated` when only its bottom part is kept. */
  | { ok: true; text: string; truncated: boolean }
  /** The pane (or session) was not there, or its screen was too big to read within the bounds. */
  | { ok: false; reason: 'not-found' | 'too-large'; message: string };

const DEFAULT_MAX_CHARS = 64 * 1024;
const DEFAULT_MAX_BUFFER = 16 * 1024 * 1024;

/** Rows right-trimmed (`-J` keeps trailing spaces), bounded from the bottom. */
function tidy(raw: string, maxChars: number): { text: string; truncated: boolean } {
  let text = raw
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n');
  let truncated = false;
  if (text.length > maxChars) {
    const cut = text.length - maxChars;
    const nl = text.indexOf('\n', cut);
    text = nl >= 0 ? text.slice(nl + 1) : text.slice(cut);
    truncated = true;
  }
  return { text, truncated };
}

/**
 * The visible screens of many panes in one tmux call: `capture-pane -p -t A ; display-message -p
 * <marker> ; capture-pane -p -t B ; ...`, split on the markers. A tick reads every agent's screen
 * for one subprocess, not one per agent.
 *
 * tmux stops a command sequence at the first command that fails, so a pane that vanished since
 * the caller's snapshot ends the batch there: it is reported not-found and the rest is asked for
 * again (one more call per vanished pane). A batch whose output passes `maxBuffer` is split in
 * two; a single pane past it is reported too-large. Targets are pane ids (`%N`) or session names.
 */
export async function capturePanes(tmux: Tmux, targets: readonly string[], opts: CapturePanesOptions = {}): Promise<Map<string, PaneCapture>> {
  const out = new Map<string, PaneCapture>();
  const unique = [...new Set(targets)];
  const tmuxTargets = unique.map((t) => paneTarget(t)); // validates every target before any call
  const maxChars = Math.max(1, opts.maxCharsPerPane ?? DEFAULT_MAX_CHARS);
  const maxBuffer = Math.max(1024, opts.maxBuffer ?? DEFAULT_MAX_BUFFER);
  const marker = `gt-capture-${randomBytes(8).toString('hex')}`;

  const batch = async (from: number, to: number): Promise<void> => {
    let i = from;
    while (i < to) {
      const commands: string[][] = [];
      for (let j = i; j < to; j++) {
        commands.push(['capture-pane', '-p', ...(opts.join === false ? [] : ['-J']), '-t', tmuxTargets[j]!]);
        commands.push(['display-message', '-p', `${marker}:${j}`]);
      }
      const r = await tmux.runSequence(commands, { allowFailure: true, maxBuffer, ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}) });
      if (r.overflowed) {
        if (to - i === 1) {
          out.set(unique[i]!, { ok: false, reason: 'too-large', message: `the screen of ${unique[i]} is larger than ${maxBuffer} characters` });
          i += 1;
          continue;
        }
        const mid = i + Math.ceil((to - i) / 2);
        await batch(i, mid);
        await batch(mid, to);
        return;
      }
      // Everything before a failure came through, each screen followed by its marker line.
      let pos = 0;
      let done = i;
      for (let j = i; j < to; j++) {
        const line = `${marker}:${j}\n`;
        const at = r.stdout.indexOf(line, pos);
        if (at < 0) break;
        out.set(unique[j]!, { ok: true, ...tidy(r.stdout.slice(pos, at).replace(/\n$/, ''), maxChars) });
        pos = at + line.length;
        done = j + 1;
      }
      if (done >= to) return;
      if (r.ok || r.timedOut || isNoServerMessage(r.stderr) || !isNotFoundMessage(r.stderr)) {
        // Not a vanished pane: the server is gone, tmux hung, or something else failed.
        throw tmuxFailure(r, tmux.socket);
      }
      out.set(unique[done]!, { ok: false, reason: 'not-found', message: r.stderr });
      i = done + 1;
    }
  };

  if (unique.length) await batch(0, unique.length);
  return out;
}

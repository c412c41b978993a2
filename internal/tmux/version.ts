import type { Tmux } from './run.js';

/** The oldest tmux gt supports (format variables and hooks it relies on). */
export const MIN_TMUX_VERSION = '3.2';

export interface TmuxVersion {
  /** As tmux prints it, e.g. "3.3a", "next-3.5". */
  text: string;
  major: number;
  minor: number;
}

/** `tmux -V`, parsed; undefined when tmux cannot be run or prints something else. */
export async function tmuxVersion(tmux: Tmux): Promise<TmuxVersion | { error: string }> {
  let r;
  try {
    r = await tmux.run(['-V'], { allowFailure: true, timeoutMs: 5_000 });
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
  const out = r.stdout.trim();
  const m = /^tmux (?:next-)?(\d+)\.(\d+)\S*$/.exec(out);
  if (!r.ok || !m) return { error: r.ok ? `unexpected tmux -V output ${JSON.stringify(out.slice(0, 80))}` : r.stderr || `tmux -V exited ${r.exitCode ?? '?'}` };
  return { text: out.slice('tmux '.length), major: Number(m[1]), minor: Number(m[2]) };
}

export function atLeast(v: TmuxVersion, min = MIN_TMUX_VERSION): boolean {
  const [maj, mn] = min.split('.').map(Number) as [number, number];
  return v.major > maj || (v.major === maj && v.minor >= mn);
}

import { Tmux, atLeast, snapshot, townSocketName, tmuxVersion, MIN_TMUX_VERSION } from '../../tmux/index.js';
import type { Check, CheckResult } from '../check.js';

/** tmux is there and new enough; the town's own server (its socket name) runs or not. */
export const tmuxCheck: Check = async ({ town }) => {
  const tmux = new Tmux(townSocketName(town));
  const v = await tmuxVersion(tmux);
  if ('error' in v) {
    return [{ check: 'tmux', status: 'fail', what: `tmux cannot be run: ${v.error}`, hint: `install tmux >= ${MIN_TMUX_VERSION} (apt-get install tmux)` }];
  }
  const out: CheckResult[] = [
    atLeast(v)
      ? { check: 'tmux', status: 'ok' as const, what: `tmux ${v.text} (>= ${MIN_TMUX_VERSION} needed)` }
      : { check: 'tmux', status: 'fail' as const, what: `tmux ${v.text} is older than ${MIN_TMUX_VERSION}`, hint: `install tmux >= ${MIN_TMUX_VERSION}; the first tmux on PATH is used` },
  ];
  const snap = await snapshot(tmux);
  if (!snap.ok) out.push({ check: 'tmux-server', status: 'fail', what: `town server ${tmux.socket} does not answer: ${snap.error.message}`, hint: `tmux -L ${tmux.socket} kill-server, then gt up` });
  else if (snap.serverPid === undefined) out.push({ check: 'tmux-server', status: 'ok', what: `town server ${tmux.socket} is not running (gt up starts it)` });
  else out.push({ check: 'tmux-server', status: 'ok', what: `town server ${tmux.socket} runs (pid ${snap.serverPid}, ${snap.sessions.length} session${snap.sessions.length === 1 ? '' : 's'})` });
  return out;
};

// Pure formatting for the page: no DOM, no network. The words match the CLI's (gt agents, gt feed).

/** "12s", "3m", "2h5m", "4d". */
export function shortDuration(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h${m % 60 ? `${m % 60}m` : ''}`;
  return `${Math.floor(h / 24)}d`;
}

/** "3m ago" for a past ISO time, "in 20s" for a future one, "" for none. */
export function relative(iso, now = Date.now()) {
  if (!iso) return '';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '';
  const d = t - now;
  if (Math.abs(d) < 1500) return 'just now';
  return d < 0 ? `${shortDuration(-d)} ago` : `in ${shortDuration(d)}`;
}

/** HH:MM:SS in the browser's time zone. */
export function clock(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso ?? '') : d.toTimeString().slice(0, 8);
}

/**
 * What an agent is doing, as one word and a tone: liveness first (a dead or zombie session says
 * more than a stale ledger state), then the agent's own state (working, idle, blocked: reason).
 */
export function agentState(a) {
  if (a.liveness === 'dead') return { label: 'dead', tone: 'bad' };
  if (a.liveness === 'zombie') return { label: 'zombie', tone: 'warn' };
  if (a.liveness === 'unknown') return { label: 'unknown', tone: 'muted' };
  // The agent's activity (its CLI's hooks, a blocking screen) when the read view has it, else the ledger's state.
  const s = a.activity?.state ?? a.state;
  const reason = a.activity?.reason ?? a.reason;
  if (s === 'blocked') return { label: reason ? `blocked: ${reason}` : 'blocked', tone: 'warn' };
  if (s === 'working') return { label: 'working', tone: 'ok' };
  if (s === 'idle') return { label: 'idle', tone: 'info' };
  if (s === 'starting' || s === 'spawning') return { label: s, tone: 'info' };
  if (s === 'dead' || s === 'stuck') return { label: `running (${s})`, tone: 'warn' };
  if (s === 'done') return { label: 'done', tone: 'muted' };
  return { label: 'running', tone: 'ok' };
}

/** The restart situation beside the state: "crash loop", "backoff 20s", or "". */
export function restartNote(a, now = Date.now()) {
  if (a.crash_loop) return 'crash loop';
  const until = a.next_attempt ? Date.parse(a.next_attempt) - now : 0;
  if (until > 0) return `backoff ${shortDuration(until)}`;
  return '';
}

/** Since when the agent is in its state: its activity's since when known, else its bead's last change. */
export function stateSince(a) {
  return a.activity?.since ?? a.state_since ?? a.updated_at ?? null;
}

/** The last exit or failed start, as one line ("" when none is known). */
export function lastExit(a) {
  const e = a.last_exit;
  if (e && typeof e === 'object') {
    // The read view's last_exit: how the run ended (status or signal where tmux could tell), how
    // long it ran, and a deliberate stop's reason.
    const how = e.stopped_by ? `stopped (${e.stopped_by})` : e.signal ? e.signal : e.status !== undefined && e.status !== null ? `exit ${e.status}` : e.cause ? 'killed' : 'died';
    const ran = typeof e.ran_ms === 'number' ? `after ${shortDuration(e.ran_ms)}` : '';
    return [how, ran, e.at ? relative(e.at) : ''].filter(Boolean).join(' · ');
  }
  if (typeof e === 'string') return e;
  if (a.last_start_error) return `start failed ${relative(a.last_start_error.at)}: ${a.last_start_error.message}`;
  return '';
}

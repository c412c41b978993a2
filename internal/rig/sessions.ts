import { GtError } from '../errors.js';
import { Tmux, townSocketName, snapshot, killSession } from '../tmux/index.js';

/**
 * A rig's sessions on the town's tmux server: every session named `<prefix>-*` (witness,
 * refinery, polecats, crew; design section 4). Prefixes never contain "-", so this cannot
 * match another rig's sessions. Asked of tmux directly so it does not depend on the daemon.
 */
export async function rigSessions(townRoot: string, prefix: string): Promise<string[]> {
  const tmux = new Tmux(townSocketName(townRoot));
  const snap = await snapshot(tmux);
  if (!snap.ok) {
    // Unknown is not "none": removing a rig on a guess would orphan running agents.
    throw new GtError('TMUX_FAILED', `cannot tell whether the rig's agents run: ${snap.error.message}`, { hint: 'check tmux and try again' });
  }
  return snap.sessions.map((s) => s.name).filter((n) => n.startsWith(`${prefix}-`));
}

/** Kill the named sessions (whole process trees) on the town's server. */
export async function killRigSessions(townRoot: string, sessions: readonly string[]): Promise<void> {
  const tmux = new Tmux(townSocketName(townRoot));
  for (const s of sessions) await killSession(tmux, s);
}

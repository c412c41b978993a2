import { existsSync } from 'node:fs';
import { settledLiveness, type Liveness } from '../agent/liveness.js';
import { agentActivity, type Activity } from '../agent/state.js';
import { readHeartbeatFile } from '../ledger/heartbeat.js';
import { GtError, LedgerUnavailableError } from '../errors.js';
import { ledgerDeleted, ledgerMissingError, withLedger, type Ledger } from '../ledger/index.js';
import { agentRestart, crashesInWindow, loadRestartState, type Exit, type RestartState } from './policy/index.js';
import { agentProcessNames, runtimeFor, signalName } from '../session/launch.js';
import { loadLaunchContext } from '../session/context.js';
import { parseIdentity, parseSessionName } from '../session/names.js';
import { agentSpec, prefixesOf, type AgentSpec } from '../session/resolve.js';
import { supervisedRoleAgents } from '../session/supervised.js';
import { readBlockingScreens } from '../session/screens.js';
import { snapshot } from '../tmux/index.js';
import { drawsScreens, type ScreenVerdict } from '../agent/screens/index.js';
import { townLayout } from '../town/layout.js';

/**
 * The `gt agents` / `gt status` / dashboard read view: every agent the town knows of, joined from
 * the settings, the tmux server, the ledger, the agents' own reports and the daemon's restart
 * record. It lives with the daemon (whose record it reads), above session/ and the ledger, so no
 * layer below reaches up for it.
 */

export interface AgentRow {
  identity: string;
  role: string;
  rig: string | null;
  name: string | null;
  session: string;
  runtime: string;
  supervised: boolean;
  liveness: Liveness;
  liveness_reason: string;
  pid: number | null;
  /** The agent bead's state in the ledger (spawning, working, idle, done, dead, ...). */
  state: string | null;
  /** What the agent is doing now (internal/agent/state.ts): starting, working, idle, blocked: reason, dead; and since when. */
  activity: Activity;
  hook: string | null;
  updated_at: string | null;
  /** Deaths after short runs (under restart.min_uptime) within restart.crash_loop_window: what the crash loop counts. */
  crashes: number;
  /** How its last run ended, as the daemon saw it (null: no run of it has ended yet). */
  last_exit: LastExit | null;
  /** No automatic start before this time (ISO): the backoff after repeated short runs; null when not waiting. */
  next_attempt: string | null;
  /** In a crash loop (no more automatic starts) since this time (ISO), or null. */
  crash_loop: string | null;
  /**
   * Restarts stopped because they brought no progress (restart.max_without_progress runs in a row
   * ended before it reported working or idle): since when (ISO) and how many runs; null when not.
   * Cleared by `gt daemon clear-backoff` or by the agent reporting progress.
   */
  no_progress: { since: string; runs: number } | null;
  /** Stopped on purpose and kept down (a lifecycle shutdown) until `gt up`, or null. */
  held: { at: string; reason: string } | null;
  /** The daemon's last failed start of this agent, if any. */
  last_start_error: { at: string; message: string } | null;
}

export interface LastExit {
  at: string;
  /** How long the run lasted (an upper bound when the death was seen late, e.g. by a daemon that was down). */
  ran_ms: number;
  /** Exit status or signal, where tmux could tell (a pane kept dead); otherwise absent. */
  status?: number;
  signal?: string;
  /** A deliberate stop (gt down, lifecycle, rig parked): not a crash. */
  stopped_by?: string;
  /** The daemon ended the run itself (heartbeat very stale, marked dead). */
  cause?: string;
  /** Counted as a crash (a short run). */
  crash: boolean;
}

/** The restart tracker as the daemon last saved it; missing or corrupt reads as empty. */
function readRestartState(path: string): RestartState {
  return loadRestartState(path).state;
}

const ROLE_ORDER = ['mayor', 'deacon', 'boot', 'witness', 'refinery', 'polecat', 'crew'];

/** Every agent the town knows of, from its settings, its tmux server and its ledger. */
export async function listAgents(town: string, opts: { onLedgerError?: (e: LedgerUnavailableError) => void } = {}): Promise<AgentRow[]> {
  const ctx = loadLaunchContext(town);
  const layout = townLayout(town);
  // The daemon's record first, the live look second: the daemon saves its record after a tick's
  // starts and kills are done, so a row never pairs a record with a session state older than it
  // (a crash loop shown next to the half-started session that caused it).
  const restartState = readRestartState(layout.restartState);
  const snap = await snapshot(ctx.tmux);
  const found = new Map<string, { spec: AgentSpec; supervised: boolean; state?: string; hook?: string | null; updated_at?: string }>();
  for (const spec of supervisedRoleAgents(ctx.settings, ctx.daemonSettings, ctx.rigs)) found.set(spec.identity, { spec, supervised: true });
  if (snap.ok) {
    const prefixes = prefixesOf(ctx.rigs);
    for (const s of snap.sessions) {
      const ref = parseSessionName(s.name, prefixes);
      if (!ref) continue;
      const spec = agentSpec(ref, ctx.rigs);
      if (!found.has(spec.identity)) found.set(spec.identity, { spec, supervised: false });
    }
  }
  const askedAt = new Map<string, string>();
  // A deleted ledger is said to a caller that listens (its rows then carry no bead state).
  if (opts.onLedgerError && ledgerDeleted(layout.beadsDir, layout.ledgerFile)) opts.onLedgerError(ledgerMissingError(layout.ledgerFile));
  else if (existsSync(layout.ledgerFile)) {
    let beads: ReturnType<Ledger['listAgentBeads']> = [];
    let questions: ReturnType<Ledger['openQuestions']> = [];
    try {
      ({ beads, questions } = withLedger(layout, (l) => ({ beads: l.listAgentBeads(), questions: l.openQuestions() })));
    } catch (e) {
      // A caller that says so (gt status) shows the sessions and the ledger's problem beside them.
      if (!(e instanceof LedgerUnavailableError) || !opts.onLedgerError) throw e;
      opts.onLedgerError(e);
    }
    // Oldest first: an agent's first open question is when it began to wait.
    for (const q of questions) if (!askedAt.has(q.from)) askedAt.set(q.from, q.created_at);
    for (const b of beads) {
      let spec: AgentSpec;
      try {
        spec = agentSpec(parseIdentity(b.address), ctx.rigs);
      } catch (e) {
        // An agent bead of a rig that was removed: nothing to show a session for.
        if (e instanceof GtError) continue;
        throw e;
      }
      const cur = found.get(spec.identity) ?? { spec, supervised: spec.role === 'polecat' && !!b.hook_bead };
      found.set(spec.identity, { ...cur, state: b.agent_state, hook: b.hook_bead, updated_at: b.updated_at });
    }
  }
  const now = Date.now();
  const looked: Array<{ spec: AgentSpec; supervised: boolean; state?: string; hook?: string | null; updated_at?: string; runtime: string; known: boolean; lv: ReturnType<typeof settledLiveness> }> = [];
  for (const { spec, supervised, state, hook, updated_at } of found.values()) {
    let runtime = '?';
    let known = false;
    let names: string[] = [];
    try {
      runtime = runtimeFor(ctx, spec).name;
      names = agentProcessNames(ctx, spec);
      known = true;
    } catch (e) {
      if (!(e instanceof GtError)) throw e;
    }
    const lv = settledLiveness(snap, spec.session, names, undefined, ctx.settings.agents_health.startup_grace);
    looked.push({ spec, supervised, ...(state !== undefined ? { state } : {}), ...(hook !== undefined ? { hook } : {}), ...(updated_at !== undefined ? { updated_at } : {}), runtime, known, lv });
  }
  // Every alive agent's blocking screen, from one tmux call (none when no CLI draws screens).
  const targets = looked
    .filter((x) => x.lv.state === 'alive' && drawsScreens(x.known ? x.runtime : undefined))
    .map((x) => ({ target: x.spec.session, runtime: x.known ? x.runtime : undefined }));
  const screens = targets.length > 0 ? await readBlockingScreens(ctx.tmux, targets, { now }).catch(() => new Map<string, ScreenVerdict | null | undefined>()) : new Map<string, ScreenVerdict | null | undefined>();
  const rows: AgentRow[] = [];
  for (const { spec, supervised, state, hook, updated_at, runtime, lv } of looked) {
    let heartbeat;
    try {
      heartbeat = readHeartbeatFile(layout, spec.session);
    } catch {
      // A corrupt heartbeat file is no report; the daemon logs it.
      heartbeat = undefined;
    }
    const created = snap.ok ? snap.sessions.find((x) => x.name === spec.session)?.created : undefined;
    const asked = askedAt.get(spec.identity);
    const activity = agentActivity({
      liveness: lv.state,
      heartbeat,
      screen: screens.get(spec.session) ?? null,
      ...(created !== undefined ? { sessionCreated: created * 1000 } : {}),
      ...(asked ? { askedAt: asked } : {}),
    });
    const rs = agentRestart(restartState, spec.identity);
    rows.push({
      identity: spec.identity,
      role: spec.role,
      rig: spec.rig ?? null,
      name: spec.name ?? null,
      session: spec.session,
      runtime,
      supervised,
      liveness: lv.state,
      liveness_reason: lv.reason,
      pid: lv.pid ?? null,
      state: state ?? null,
      activity,
      hook: hook ?? null,
      updated_at: updated_at ?? null,
      crashes: crashesInWindow(rs, now, ctx.settings.restart),
      last_exit: rs.lastExit ? lastExitRow(rs.lastExit) : null,
      next_attempt: rs.backoffUntil > now && !rs.crashLoop ? new Date(rs.backoffUntil).toISOString() : null,
      crash_loop: rs.crashLoop ? new Date(rs.crashLoop.since).toISOString() : null,
      no_progress: rs.stalled ? { since: new Date(rs.stalled.since).toISOString(), runs: rs.stalled.runs } : null,
      held: rs.held ? { at: new Date(rs.held.at).toISOString(), reason: rs.held.reason } : null,
      last_start_error: rs.lastError ? { at: new Date(rs.lastError.at).toISOString(), message: rs.lastError.message } : null,
    });
  }
  return rows.sort(
    (a, b) => (a.rig ?? '').localeCompare(b.rig ?? '') || ROLE_ORDER.indexOf(a.role) - ROLE_ORDER.indexOf(b.role) || a.identity.localeCompare(b.identity),
  );
}

function lastExitRow(e: Exit): LastExit {
  return {
    at: new Date(e.at).toISOString(),
    ran_ms: e.ranMs,
    ...(e.status !== undefined ? { status: e.status } : {}),
    ...(e.signal !== undefined ? { signal: signalName(e.signal) } : {}),
    ...(e.stoppedBy !== undefined ? { stopped_by: e.stoppedBy } : {}),
    ...(e.cause !== undefined ? { cause: e.cause } : {}),
    crash: e.crash,
  };
}

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { settledLiveness } from '../../agent/liveness.js';
import type { ProcTable } from '../../agent/proctree.js';
import { daemonSettingsSchema, loadDaemonSettings, type DaemonSettings } from '../../config/daemon-settings.js';
import { readDeaconHeartbeat } from '../../config/deacon-heartbeat.js';
import { agentActivity, reportedActivity, withOpenQuestion } from '../../agent/state.js';
import { drawsScreens, type ScreenVerdict } from '../../agent/screens/index.js';
import { readHeartbeatFileAt, type HeartbeatFile } from '../../config/heartbeat-file.js';
import type { Settings } from '../../config/settings.js';
import type { RigsFile } from '../../config/town-files.js';
import { GtError, messageOf } from '../../errors.js';
import { bootEpochMs, flockHolders, processStartEpochMs, readProcTable } from '../../fsx/proc.js';
import { estopActive } from '../estop.js';
import type { AgentBead, OutboxSlot } from '../../ledger/index.js';
import type { LaunchContext } from '../../session/launch.js';
import { agentProcessNames, runtimeFor } from '../../session/launch.js';
import { readBlockingScreens } from '../../session/screens.js';
import { parseIdentity, parseSessionName } from '../../session/names.js';
import { agentSpec, prefixesOf, type AgentSpec } from '../../session/resolve.js';
import { supervisedRoleAgents } from '../../session/supervised.js';
import { findSession, snapshot, type SessionInfo, type Snapshot } from '../../tmux/index.js';
import { readRigs } from '../../town/rigs.js';
import type { EngineView } from './view.js';
import type { AgentBeat, BlockedReport, LifecycleRequest, Observation, ObservedAgent } from '../policy/index.js';

/**
 * What one tick reads of the town's files, once: settings, daemon settings and the rigs registry,
 * each tolerant of corruption (reported once, treated as absent). observe reads the agents against
 * it and act starts them with it.
 */
export interface TownView {
  settings: Settings;
  daemonSettings: DaemonSettings;
  /** undefined when mayor/rigs.json is unreadable: then no rig agent is started or killed. */
  rigs: RigsFile | undefined;
  launch: LaunchContext;
}

export interface Observed {
  obs: Observation;
  /** The snapshot decide's liveness came from (the engine keeps the fast-path hooks on its server). */
  snap: Snapshot;
  /** Time spent reading /proc (process trees, start times), for bench/tick. */
  procMs: number;
  /** The mail dedup slots the ledger's outbox holds (the last good read's while degraded). */
  outbox: OutboxSlot[];
}

const LIFECYCLE_RE = /^LIFECYCLE:\s+(\S+)\s+requesting\s+(cycle|restart|shutdown)\b/;

/** Read something that may be corrupt: a ConfigError becomes `fallback` plus one warning. */
function tolerant<T>(engine: EngineView, key: string, read: () => T, fallback: T): T {
  try {
    const v = read();
    engine.resolved(key);
    return v;
  } catch (e) {
    if (!(e instanceof GtError)) throw e;
    engine.warnOnce(key, `${e.line}; treated as absent`);
    return fallback;
  }
}

export function readTown(engine: EngineView): TownView {
  const { layout } = engine;
  const settings = engine.settings();
  const daemonSettings = tolerant<DaemonSettings>(engine, 'daemon.json', () => loadDaemonSettings(layout.daemonSettingsFile), daemonSettingsSchema.parse({}));
  // Without a readable registry the rig agents are unknown: nothing of theirs is started or killed.
  const rigs = tolerant<RigsFile | undefined>(engine, 'rigs.json', () => readRigs(layout), undefined);
  const launch: LaunchContext = { town: engine.town, tmux: engine.tmux, settings, daemonSettings, rigs: rigs ?? { version: 1, rigs: {} } };
  return { settings, daemonSettings, rigs, launch };
}

/**
 * One look at the town: gates, one tmux snapshot (one subprocess), /proc once, rigs and settings
 * once, the ledger in one read, heartbeat files. Produces decide()'s plain-data Observation.
 */
export async function observe(engine: EngineView, town: TownView): Promise<Observed> {
  const { layout } = engine;
  const { settings, daemonSettings, rigs, launch } = town;
  const knownRigs = launch.rigs;
  const now = engine.now();
  const snap = await snapshot(engine.tmux);
  // The gates are read after the snapshot: `gt down` takes its lock before it stops anything, so
  // a snapshot that shows its stops is always followed by a gate read that sees the lock (and
  // those deaths are never taken for crashes).
  const gates = { shutdownLock: flockHolders(layout.shutdownLock).length > 0, estop: estopActive(layout, engine.estopHeld) };
  // /proc is read at most once for process trees (lazily: most sessions are decided by their pane
  // command) and once per running agent for its start time; the time it takes is measured.
  let procMs = 0;
  const timed = <T>(f: () => T): T => {
    const t0 = performance.now();
    try {
      return f();
    } finally {
      procMs += performance.now() - t0;
    }
  };
  let table: ProcTable | undefined;
  const procs = () => (table ??= timed(readProcTable));

  // One read of the ledger; while it is unusable, the last good read (ledger-health.ts).
  const { read: ledger } = engine.ledgerHealth.read(now);

  const byIdentity = new Map<string, { spec: AgentSpec; supervised: boolean; bead?: AgentBead; rigInactive?: boolean }>();
  for (const spec of supervisedRoleAgents(settings, daemonSettings, knownRigs)) byIdentity.set(spec.identity, { spec, supervised: true });
  // Boot is not supervised, but decide needs to see it to start it for triage.
  if (daemonSettings.patrols.boot.enabled && settings.roles.boot?.enabled !== false) {
    const boot = agentSpec({ role: 'boot' }, knownRigs);
    byIdentity.set(boot.identity, { spec: boot, supervised: false });
  }
  for (const b of ledger.agents) {
    let spec: AgentSpec;
    try {
      spec = agentSpec(parseIdentity(b.address), knownRigs);
    } catch {
      continue; // an agent of a rig that no longer exists (or is unreadable)
    }
    const cur = byIdentity.get(spec.identity);
    byIdentity.set(spec.identity, { spec, supervised: cur?.supervised ?? false, bead: b });
  }
  // Sessions of parked or docked rigs: found on the server, to be stopped.
  if (snap.ok && rigs) {
    const prefixes = prefixesOf(knownRigs);
    for (const s of snap.sessions) {
      const ref = parseSessionName(s.name, prefixes);
      if (!ref?.rig || (knownRigs.rigs[ref.rig]?.state ?? 'active') === 'active') continue;
      const spec = agentSpec(ref, knownRigs);
      byIdentity.set(spec.identity, { ...(byIdentity.get(spec.identity) ?? { spec, supervised: false }), rigInactive: true });
    }
  }

  // Process start times are ticks since boot: put them on the engine's clock once per tick.
  const boot = bootEpochMs(now);
  const agents: ObservedAgent[] = [];
  // Alive agents whose CLI draws screens: read in one batched capture after the loop.
  const looks: Array<{ agent: ObservedAgent; runtime: string | undefined; hb: HeartbeatFile | undefined; created: number }> = [];
  for (const { spec, supervised, bead, rigInactive } of byIdentity.values()) {
    const inactive = rigInactive || (spec.rig !== undefined && (knownRigs.rigs[spec.rig]?.state ?? 'active') !== 'active');
    let processNames: string[] = [];
    let runtime: string | undefined;
    try {
      runtime = runtimeFor(launch, spec).name;
      processNames = agentProcessNames(launch, spec);
      engine.resolved(`runtime:${spec.identity}`);
    } catch (e) {
      engine.warnOnce(`runtime:${spec.identity}`, `${spec.identity}: ${messageOf(e)}`);
    }
    const hb = tolerant(engine, `heartbeat:${spec.session}`, () => readHeartbeatFileAt(layout.heartbeatFile(spec.session), `.runtime/heartbeats/${spec.session}.json`), undefined);
    const hbTime = hb ? Date.parse(hb.timestamp) : NaN;
    // A young session that looks like a zombie is still starting (agent/liveness.ts).
    const lv = settledLiveness(snap, spec.session, processNames, procs, settings.agents_health.startup_grace);
    const session = findSession(snap, spec.session);
    // A report older than the session is the previous incarnation's (tmux keeps whole seconds).
    const current = hb !== undefined && (!session || hbTime >= session.created * 1000);
    const hbState = withOpenQuestion(current ? reportedActivity(hb.state) : undefined, ledger.askers.has(spec.identity));
    const agent: ObservedAgent = {
      spec,
      supervised: supervised && !inactive,
      liveness: lv.state,
      bead: bead ? { agent_state: bead.agent_state, hook_bead: bead.hook_bead, updated_at: Date.parse(bead.updated_at) } : null,
      hookOpen: bead?.hook_bead ? (ledger.hooks.get(bead.hook_bead) ?? false) : false,
      heartbeat: Number.isFinite(hbTime) ? { timestamp: hbTime, ...(hbState ? reportDetail(hb!, hbState) : {}) } : null,
      ...(lv.state === 'alive' && session ? { run: timed(() => runOf(lv.pid, session, boot)) } : {}),
      ...(lv.state === 'zombie' && session ? exitOf(session) : {}),
      ...(lv.graceEnds !== undefined ? { graceEnds: lv.graceEnds } : {}),
      workdirExists: existsSync(join(engine.town, spec.workdir)),
      ...(inactive ? { rigInactive: true } : {}),
    };
    agents.push(agent);
    const askedAt = ledger.askers.get(spec.identity);
    if (lv.state === 'alive' && session) looks.push({ agent, runtime, hb: current ? hb : undefined, created: session.created * 1000, ...(askedAt ? { askedAt } : {}) });
  }
  await lookForBlocked(engine, looks, now);

  const deacon = tolerant(engine, 'deacon-heartbeat', () => readDeaconHeartbeat(layout.deaconHeartbeat), undefined);
  const lifecycle: LifecycleRequest[] = [];
  for (const m of ledger.lifecycle) {
    const match = LIFECYCLE_RE.exec(m.subject);
    if (!match) {
      engine.warnOnce(`lifecycle:${m.id}`, `deacon/ mail ${m.id} "${m.subject}" is not a lifecycle request (expected "LIFECYCLE: <identity> requesting cycle|restart|shutdown"); ignored`);
      continue;
    }
    lifecycle.push({ id: m.id, from: match[1]!, sender: m.from, action: match[2] as LifecycleRequest['action'], createdAt: Date.parse(m.created_at) });
  }

  return { obs: { now, gates, agents, deaconHeartbeat: deacon ? { timestamp: Date.parse(deacon.timestamp) } : null, lifecycle }, snap, procMs, outbox: ledger.outbox };
}


/**
 * Which alive agents wait for a person: their screens, read in one tmux call (readBlockingScreens,
 * only for CLIs that draw screens: none for a town of sims), and their own reports, joined by the
 * agent state model (agent/state.ts: a recognised screen wins over the last report). A capture
 * that fails is no screen this tick (warned once); the agents' reports still count.
 */
async function lookForBlocked(engine: EngineView, looks: ReadonlyArray<{ agent: ObservedAgent; runtime: string | undefined; hb: HeartbeatFile | undefined; created: number; askedAt?: string }>, now: number): Promise<void> {
  const targets = looks.filter((l) => drawsScreens(l.runtime)).map((l) => ({ target: l.agent.spec.session, runtime: l.runtime }));
  let screens = new Map<string, ScreenVerdict | null | undefined>();
  if (targets.length > 0) {
    try {
      screens = await readBlockingScreens(engine.tmux, targets, { now });
      engine.resolved('screens');
    } catch (e) {
      engine.warnOnce('screens', `could not read the agents' screens this tick (blocked agents are known by their reports only): ${messageOf(e)}`);
    }
  }
  for (const { agent, hb, created, askedAt } of looks) {
    const screen = screens.get(agent.spec.session) ?? null;
    const act = agentActivity({ liveness: 'alive', heartbeat: hb ?? null, screen, sessionCreated: created, ...(askedAt ? { askedAt } : {}) });
    if (act.state !== 'blocked') continue;
    const blocked: BlockedReport = { reason: act.reason ?? 'unknown', source: act.source === 'screen' ? 'screen' : 'heartbeat' };
    if (act.screen) blocked.screen = act.screen;
    if (screen?.resetAt !== undefined) blocked.resetAt = screen.resetAt;
    agent.blocked = blocked;
  }
}

/**
 * The current report's state and what it says about it (why blocked, since when, the last turn's
 * API error). A report of idle read as blocked is an agent waiting on its own open question.
 */
function reportDetail(hb: HeartbeatFile, state: NonNullable<AgentBeat['state']>): Omit<AgentBeat, 'timestamp'> {
  const since = hb.since !== undefined ? Date.parse(hb.since) : NaN;
  const asking = state === 'blocked' && reportedActivity(hb.state) !== 'blocked';
  return {
    state,
    ...(asking ? { reason: 'question' } : hb.reason !== undefined ? { reason: hb.reason } : {}),
    ...(Number.isFinite(since) ? { since } : {}),
    ...(hb.error !== undefined ? { error: hb.error } : {}),
    ...(hb.message !== undefined ? { message: hb.message } : {}),
  };
}

/**
 * The run seen now: since the agent process started (/proc, to the centisecond), or, when that
 * cannot be read, since its session was created (tmux, whole seconds).
 */
function runOf(pid: number | undefined, session: SessionInfo, boot: number | undefined): NonNullable<ObservedAgent['run']> {
  const since = pid !== undefined && boot !== undefined ? processStartEpochMs(pid, boot) : undefined;
  return { since: since ?? session.created * 1000, ...(pid !== undefined ? { pid } : {}) };
}

/** How a zombie's agent ended, when a dead pane still tells it. */
function exitOf(session: SessionInfo): Pick<ObservedAgent, 'exit'> {
  const dead = session.panes.find((p) => p.dead && (p.deadStatus !== undefined || p.deadSignal !== undefined));
  if (!dead) return {};
  return { exit: { ...(dead.deadStatus !== undefined ? { status: dead.deadStatus } : {}), ...(dead.deadSignal !== undefined ? { signal: dead.deadSignal } : {}) } };
}

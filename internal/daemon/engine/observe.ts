import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { explainLiveness, settleStartup } from '../../agent/liveness.js';
import type { ProcTable } from '../../agent/proctree.js';
import { daemonSettingsSchema, loadDaemonSettings, type DaemonSettings } from '../../config/daemon-settings.js';
import { readDeaconHeartbeat } from '../../config/deacon-heartbeat.js';
import { readHeartbeatFileAt } from '../../config/heartbeat-file.js';
import type { Settings } from '../../config/settings.js';
import type { RigsFile } from '../../config/town-files.js';
import { GtError, messageOf } from '../../errors.js';
import { flockHolders, readProcTable } from '../../fsx/proc.js';
import { withLedger, type AgentBead } from '../../ledger/index.js';
import type { LaunchContext } from '../../session/launch.js';
import { runtimeFor } from '../../session/launch.js';
import { parseIdentity, parseSessionName } from '../../session/names.js';
import { agentSpec, prefixesOf, type AgentSpec } from '../../session/resolve.js';
import { supervisedRoleAgents } from '../../session/supervised.js';
import { snapshot, type Snapshot, type Tmux } from '../../tmux/index.js';
import type { TownLayout } from '../../town/layout.js';
import { readRigs } from '../../town/rigs.js';
import type { LifecycleRequest, Observation, ObservedAgent, RestartState } from '../policy/index.js';
import { agentRestart } from '../policy/index.js';

export interface ObserveEnv {
  town: string;
  layout: TownLayout;
  tmux: Tmux;
  settings: Settings;
  now: () => number;
  /** A problem with one input file, reported once per distinct problem (not every tick). */
  warnOnce: (key: string, message: string) => void;
  /** The problem behind `key` is gone: report it again if it comes back. */
  resolved: (key: string) => void;
}

export interface Observed {
  obs: Observation;
  snap: Snapshot;
  launch: LaunchContext;
  procs: () => ProcTable;
  /** Process names per session, for act's re-check. */
  names: Map<string, string[]>;
}

const LIFECYCLE_RE = /^LIFECYCLE:\s+(\S+)\s+requesting\s+(cycle|restart|shutdown)\b/;

/** Read something that may be corrupt: a ConfigError becomes `fallback` plus one warning. */
function tolerant<T>(env: ObserveEnv, key: string, read: () => T, fallback: T): T {
  try {
    const v = read();
    env.resolved(key);
    return v;
  } catch (e) {
    if (!(e instanceof GtError)) throw e;
    env.warnOnce(key, `${e.line}; treated as absent`);
    return fallback;
  }
}

/**
 * One look at the town: gates, one tmux snapshot (one subprocess), /proc once, rigs and settings
 * once, the ledger in one read, heartbeat files. Produces decide()'s plain-data Observation.
 */
export async function observe(env: ObserveEnv, restart: RestartState): Promise<Observed> {
  const { layout } = env;
  const now = env.now();
  const gates = { shutdownLock: flockHolders(layout.shutdownLock).length > 0, estop: existsSync(layout.estop) };
  const daemonSettings = tolerant<DaemonSettings>(env, 'daemon.json', () => loadDaemonSettings(layout.daemonSettingsFile), daemonSettingsSchema.parse({}));
  // Without a readable registry the rig agents are unknown: nothing of theirs is started or killed.
  const rigs = tolerant<RigsFile | undefined>(env, 'rigs.json', () => readRigs(layout), undefined);
  const knownRigs: RigsFile = rigs ?? { version: 1, rigs: {} };
  const launch: LaunchContext = { town: env.town, tmux: env.tmux, settings: env.settings, daemonSettings, rigs: knownRigs };

  const snap = await snapshot(env.tmux);
  let table: ProcTable | undefined;
  const procs = () => (table ??= readProcTable());

  const ledger = existsSync(layout.ledgerFile)
    ? withLedger(layout, (l) => {
        const agents = l.listAgentBeads();
        const hooks = new Map<string, boolean>();
        for (const a of agents) if (a.hook_bead) hooks.set(a.hook_bead, (l.getBead(a.hook_bead)?.status ?? 'closed') !== 'closed');
        const lifecycle = l.inbox('deacon/').filter((m) => m.subject.startsWith('LIFECYCLE:'));
        return { agents, hooks, lifecycle };
      })
    : { agents: [] as AgentBead[], hooks: new Map<string, boolean>(), lifecycle: [] };

  const byIdentity = new Map<string, { spec: AgentSpec; supervised: boolean; bead?: AgentBead; rigInactive?: boolean }>();
  for (const spec of supervisedRoleAgents(env.settings, daemonSettings, knownRigs)) byIdentity.set(spec.identity, { spec, supervised: true });
  // Boot is not supervised, but decide needs to see it to start it for triage.
  if (daemonSettings.patrols.boot.enabled && env.settings.roles.boot?.enabled !== false) {
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

  const names = new Map<string, string[]>();
  const agents: ObservedAgent[] = [];
  for (const { spec, supervised, bead, rigInactive } of byIdentity.values()) {
    const inactive = rigInactive || (spec.rig !== undefined && (knownRigs.rigs[spec.rig]?.state ?? 'active') !== 'active');
    let processNames: string[] = [];
    try {
      processNames = runtimeFor(launch, spec).processNames;
      env.resolved(`runtime:${spec.identity}`);
    } catch (e) {
      env.warnOnce(`runtime:${spec.identity}`, `${spec.identity}: ${messageOf(e)}`);
    }
    names.set(spec.session, processNames);
    const hb = tolerant(env, `heartbeat:${spec.session}`, () => readHeartbeatFileAt(layout.heartbeatFile(spec.session), `.runtime/heartbeats/${spec.session}.json`), undefined);
    const hbTime = hb ? Date.parse(hb.timestamp) : NaN;
    agents.push({
      spec,
      supervised: supervised && !inactive,
      // A young session that looks like a zombie is still starting (agent/liveness.ts).
      liveness: settleStartup(explainLiveness(snap, spec.session, processNames, procs).state, snap, spec.session, env.settings.agents_health.startup_grace),
      bead: bead ? { agent_state: bead.agent_state, hook_bead: bead.hook_bead, updated_at: Date.parse(bead.updated_at) } : null,
      hookOpen: bead?.hook_bead ? (ledger.hooks.get(bead.hook_bead) ?? false) : false,
      heartbeat: Number.isFinite(hbTime) ? { timestamp: hbTime } : null,
      startedAt: agentRestart(restart, spec.identity).lastStart || undefined,
      workdirExists: existsSync(join(env.town, spec.workdir)),
      ...(inactive ? { rigInactive: true } : {}),
    });
  }

  const deacon = tolerant(env, 'deacon-heartbeat', () => readDeaconHeartbeat(layout.deaconHeartbeat), undefined);
  const lifecycle: LifecycleRequest[] = [];
  for (const m of ledger.lifecycle) {
    const match = LIFECYCLE_RE.exec(m.subject);
    if (!match) {
      env.warnOnce(`lifecycle:${m.id}`, `deacon/ mail ${m.id} "${m.subject}" is not a lifecycle request (expected "LIFECYCLE: <identity> requesting cycle|restart|shutdown"); ignored`);
      continue;
    }
    lifecycle.push({ id: m.id, from: match[1]!, action: match[2] as LifecycleRequest['action'], createdAt: Date.parse(m.created_at) });
  }

  return {
    obs: { now, gates, agents, deaconHeartbeat: deacon ? { timestamp: Date.parse(deacon.timestamp) } : null, lifecycle },
    snap,
    launch,
    procs,
    names,
  };
}


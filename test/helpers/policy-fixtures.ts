/**
 * Fixtures for the pure policy tests (test/unit/policy-*.test.ts): a fixed clock origin, the
 * default settings, one agent of each kind, and observations built from them.
 */
import { settingsSchema, type Settings } from '../../internal/config/settings.js';
import type { Observation, ObservedAgent } from '../../internal/daemon/policy/index.js';
import type { AgentSpec } from '../../internal/session/resolve.js';

export const S = 1000;
export const MIN = 60 * S;
export const HOUR = 60 * MIN;
export const T0 = Date.parse('2025-01-01T12:00:00Z');
export const cfg: Settings = settingsSchema.parse({});

export const DEACON: AgentSpec = { role: 'deacon', identity: 'deacon', session: 'hq-deacon', workdir: 'deacon' };
export const MAYOR: AgentSpec = { role: 'mayor', identity: 'mayor', session: 'hq-mayor', workdir: 'mayor' };
export const WITNESS: AgentSpec = { role: 'witness', rig: 'myrig', prefix: 'mr', identity: 'myrig/witness', session: 'mr-witness', workdir: 'myrig/witness' };
export const REFINERY: AgentSpec = { role: 'refinery', rig: 'myrig', prefix: 'mr', identity: 'myrig/refinery', session: 'mr-refinery', workdir: 'myrig/refinery/rig' };
export const TOAST: AgentSpec = {
  role: 'polecat',
  rig: 'myrig',
  prefix: 'mr',
  name: 'toast',
  identity: 'myrig/polecats/toast',
  session: 'mr-toast',
  workdir: 'myrig/polecats/toast',
};

/** A healthy agent at `now`: alive, idle, fresh bead and heartbeat, workdir present. */
export function observedAgent(spec: AgentSpec, over: Partial<ObservedAgent> = {}, now = T0): ObservedAgent {
  return {
    spec,
    supervised: spec.role !== 'polecat',
    liveness: 'alive',
    bead: { agent_state: 'idle', hook_bead: null, updated_at: now },
    hookOpen: false,
    heartbeat: { timestamp: now },
    workdirExists: true,
    ...over,
  };
}

/** The polecat TOAST with hooked work, making progress unless `over` says otherwise. */
export function observedPolecat(now = T0, over: Partial<ObservedAgent> = {}): ObservedAgent {
  return observedAgent(TOAST, { hookOpen: true, bead: { agent_state: 'working', hook_bead: 'mr-42', updated_at: now }, ...over }, now);
}

/** One tick's observation at `now`: no gates closed, a fresh deacon heartbeat, no lifecycle mail. */
export function observation(now: number, agents: ObservedAgent[], over: Partial<Observation> = {}): Observation {
  return { now, gates: { shutdownLock: false, estop: false }, agents, deaconHeartbeat: { timestamp: now }, lifecycle: [], ...over };
}

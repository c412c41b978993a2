import type { DaemonSettings } from '../config/daemon-settings.js';
import type { Settings } from '../config/settings.js';
import type { RigsFile } from '../config/town-files.js';
import { agentSpec, type AgentSpec } from './resolve.js';

/**
 * The role sessions a town keeps running, apart from polecats (which follow hooked work) and
 * boot (spawned for triage): the deacon unless its patrol or role is disabled, the mayor unless
 * disabled, and a witness and a refinery per operational (not parked or docked) rig.
 * Pure: the daemon's decide step and `gt up` both use it.
 */
export function supervisedRoleAgents(settings: Settings, daemonSettings: DaemonSettings, rigs: RigsFile): AgentSpec[] {
  const enabled = (role: keyof Settings['roles']) => settings.roles[role]?.enabled !== false;
  const out: AgentSpec[] = [];
  if (daemonSettings.patrols.deacon.enabled && enabled('deacon')) out.push(agentSpec({ role: 'deacon' }, rigs));
  if (enabled('mayor')) out.push(agentSpec({ role: 'mayor' }, rigs));
  for (const [rig, entry] of Object.entries(rigs.rigs).sort(([a], [b]) => a.localeCompare(b))) {
    if ((entry.state ?? 'active') !== 'active') continue;
    if (daemonSettings.patrols.witness.enabled && enabled('witness')) out.push(agentSpec({ role: 'witness', rig }, rigs));
    if (daemonSettings.patrols.refinery.enabled && enabled('refinery')) out.push(agentSpec({ role: 'refinery', rig }, rigs));
  }
  return out;
}

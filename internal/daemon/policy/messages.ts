import type { AgentSpec } from '../../session/resolve.js';

/**
 * Addresses, subjects and bodies of the mail the daemon sends. The subject prefixes are stable
 * API: role prompts (the witness, the mayor) match on them.
 */

export const MAYOR = 'mayor/';

/** Who hears about a rig agent's trouble: its witness; the mayor for town agents and for the witness itself. */
export function supervisorOf(agent: AgentSpec): string {
  if (agent.rig === undefined || agent.role === 'witness') return MAYOR;
  return `${agent.rig}/witness`;
}

/** `<rig>/witness` for a polecat (CRASHED_POLECAT and GUPP always go to the rig's witness). */
export function witnessOf(agent: AgentSpec): string {
  return agent.rig === undefined ? MAYOR : `${agent.rig}/witness`;
}

/** "90s", "7m", "2h5m": durations for people, in mail and log lines. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return 'ever';
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 120) return `${m}m`;
  const h = Math.floor(m / 60);
  return m % 60 ? `${h}h${m % 60}m` : `${h}h`;
}

export function iso(t: number): string {
  return Number.isFinite(t) && t > 0 ? new Date(t).toISOString() : 'never';
}

/** Body lines `key: value`, in a fixed order, skipping absent values. */
export function body(fields: Record<string, string | number | null | undefined>): string {
  return `${Object.entries(fields)
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n')}\n`;
}

/** `<rig>/<name>` as the CRASHED_POLECAT subject names a polecat. */
export function shortPolecat(agent: AgentSpec): string {
  return agent.rig !== undefined && agent.name !== undefined ? `${agent.rig}/${agent.name}` : agent.identity;
}

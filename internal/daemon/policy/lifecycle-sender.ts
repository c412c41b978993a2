import { identityOf, parseIdentity } from '../../session/names.js';
import type { AgentSpec } from '../../session/resolve.js';

/** The canonical identity of any form gt mail produces, or undefined if it is not one. */
export function canonicalIdentity(from: string): string | undefined {
  try {
    return identityOf(parseIdentity(from));
  } catch {
    return undefined;
  }
}

/**
 * Who may ask the daemon to cycle, restart or shut down an agent: the agent itself, the deacon,
 * the mayor, or the witness of the agent's rig. The sender is the one the ledger recorded for
 * the mail, never the identity named in its subject. All agents run as one Unix user, so this
 * stops a person's typo and a confused agent, not a hostile process (which can write any sender).
 */
export function lifecycleSenderAllowed(sender: string, target: AgentSpec): boolean {
  const who = canonicalIdentity(sender);
  if (who === undefined) return false;
  if (who === target.identity || who === 'deacon' || who === 'mayor') return true;
  return target.rig !== undefined && who === `${target.rig}/witness`;
}

/** The one log line for a refused request: what was asked, and who really asked it. */
export function refusedLine(id: string, action: string, target: string, sender: string, targetRig: string | undefined): string {
  const allowed = ['the agent itself', 'deacon', 'mayor', ...(targetRig !== undefined ? [`${targetRig}/witness`] : [])].join(', ');
  return `lifecycle request ${id} (${action} ${target}) refused: sent by ${JSON.stringify(sender)}, not one of ${allowed}`;
}

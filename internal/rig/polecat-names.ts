import { existsSync } from 'node:fs';
import type { AgentBead } from '../ledger/index.js';

/**
 * Polecats get names from a themed pool (road warriors), so a person reading `gt agents` sees
 * "myrig/furiosa", not "myrig/polecat-17". Names never collide with other session kinds.
 */
export const POLECAT_NAMES = [
  'furiosa', 'nux', 'slit', 'capable', 'toast', 'dag', 'cheedo', 'angharad', 'rictus', 'ace',
  'keeper', 'valkyrie', 'max', 'morsov', 'coma', 'glory', 'bullet', 'guzzoline', 'chrome', 'rattle',
  'dust', 'rust', 'piston', 'sprocket',
] as const;

/** Agent states that hold a name: the polecat may still come back or still has work. */
const HOLDING = new Set(['spawning', 'working', 'idle', 'stuck', 'dead']);

/**
 * The first free name: no worktree on disk, and no agent bead that is still live or hooked.
 * After the pool, names get a number (furiosa-2, ...). The caller holds the rig's sling lock.
 */
export function pickPolecatName(agents: readonly AgentBead[], worktreeOf: (name: string) => string): string {
  const taken = new Set(agents.filter((a) => a.role === 'polecat' && (a.hook_bead || HOLDING.has(a.agent_state))).map((a) => a.name));
  const free = (n: string) => !taken.has(n) && !existsSync(worktreeOf(n));
  for (const n of POLECAT_NAMES) if (free(n)) return n;
  for (let i = 2; ; i++) for (const n of POLECAT_NAMES) if (free(`${n}-${i}`)) return `${n}-${i}`;
}

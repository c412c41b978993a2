import { GtError } from '../errors.js';
import { agentBeadId, identityFromEnv, withLedger } from '../ledger/index.js';
import { townLayout } from '../town/layout.js';
import { readRigs, requireRig } from '../town/rigs.js';
import { submit } from './mq.js';
import { polecatBranch } from './worktree.js';

export interface DoneResult {
  polecat: string;
  bead: string;
  branch: string;
  queue_entry: string;
}

/**
 * `gt done`, inside a polecat: queue its branch for the refinery, then in one transaction close
 * the work bead, clear the hook and mark the polecat done, then tell the witness and the
 * refinery. Queueing first means a failure leaves the work open, never closed but unmerged.
 */
export async function polecatDone(town: string, env: NodeJS.ProcessEnv = process.env): Promise<DoneResult> {
  const who = identityFromEnv(env);
  if (!who || who.role !== 'polecat' || !who.rig || !who.name) {
    throw new GtError('INVALID_INPUT', 'gt done runs inside a polecat session (GT_ROLE=polecat)', { hint: 'polecats call it when their hooked work is committed' });
  }
  const layout = townLayout(town);
  const { prefix } = requireRig(readRigs(layout), who.rig);
  const agentId = agentBeadId(who, prefix);
  const hook = withLedger(layout, (l) => l.getAgentBead(agentId)?.hook_bead ?? null);
  if (!hook) throw new GtError('NOT_FOUND', `${who.address} has nothing on its hook`, { hint: 'gt hook shows it' });
  const branch = polecatBranch(who.name);
  const entry = await submit(layout, who.rig, { polecat: who.name, branch, bead: hook });
  withLedger(layout, (l) =>
    l.write(() => {
      l.closeBead(hook, `done by ${who.address}`);
      l.setHook(agentId, null);
      l.setAgentState(agentId, 'done');
      const body = `agent: ${who.address}\nbead: ${hook}\nbranch: ${branch}\nqueue entry: ${entry.id}\ntime: ${new Date().toISOString()}`;
      l.sendMail({ from: who.address, to: `${who.rig}/witness`, subject: `DONE: ${who.address} ${hook}`, body });
      l.sendMail({ from: who.address, to: `${who.rig}/refinery`, subject: `MERGE_READY: ${who.address} ${branch}`, body });
    }),
  );
  return { polecat: who.address, bead: hook, branch, queue_entry: entry.id };
}

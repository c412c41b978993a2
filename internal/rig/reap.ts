import { existsSync } from 'node:fs';
import { GtError } from '../errors.js';
import { agentBeadId, withLedger } from '../ledger/index.js';
import { parseAddress } from '../ledger/address.js';
import { killSession, type Tmux } from '../tmux/index.js';
import type { TownLayout } from '../town/layout.js';
import { git, gitStep, mainBranch, refExists } from './git.js';
import { requireRig, readRigs } from './registry.js';
import { holdSlingLock } from './sling.js';
import { polecatBranch, removePolecatWorktree } from './worktree.js';

/**
 * A polecat's work as git sees it: what would be lost if it were reaped. Read by the daemon's
 * observe for reap candidates, re-read right before a reap (TOCTOU), and by gt polecat list|nuke.
 */
export interface PolecatWork {
  /** Its worktree directory exists. */
  worktree: boolean;
  /** Files changed but not committed in the worktree (tracked or untracked). */
  uncommitted: number;
  /** Commits on polecat/<name> that the rig's main branch does not have (0 without a branch). */
  unmerged: number;
  branch: boolean;
}

export async function inspectPolecatWork(layout: TownLayout, rig: string, name: string, signal?: AbortSignal): Promise<PolecatWork> {
  const path = layout.polecatWorktree(rig, name);
  const worktree = existsSync(path);
  let uncommitted = 0;
  if (worktree) {
    const out = await gitStep(`polecat ${rig}/${name}: git status`, () => git(path, [], { signal }).raw(['status', '--porcelain']));
    uncommitted = out.split('\n').filter((l) => l.trim() !== '').length;
  }
  const clone = layout.rigClone(rig);
  const g = git(clone, [], { signal });
  const branch = polecatBranch(name);
  const has = await refExists(g, `refs/heads/${branch}`);
  let unmerged = 0;
  if (has) {
    const main = await mainBranch(clone);
    unmerged = Number((await g.raw(['rev-list', '--count', `refs/heads/${main}..refs/heads/${branch}`])).trim()) || 0;
  }
  return { worktree, uncommitted, unmerged, branch: has };
}

/** What is left that reaping would throw away, in words; undefined when nothing is. */
export function unsavedWork(w: PolecatWork): string | undefined {
  const parts: string[] = [];
  if (w.uncommitted) parts.push(`${w.uncommitted} uncommitted change${w.uncommitted > 1 ? 's' : ''} in its worktree`);
  if (w.unmerged) parts.push(`${w.unmerged} commit${w.unmerged > 1 ? 's' : ''} not on main`);
  return parts.length ? parts.join(' and ') : undefined;
}

export interface ReapOptions {
  /** Keep the worktree and branch (polecats.keep_done): only the session ends. */
  keep?: boolean;
  /** Throw away unmerged or uncommitted work, and give a hooked bead back to the queue of open work. */
  force?: boolean;
}

export interface ReapResult {
  identity: string;
  session: string;
  session_killed: boolean;
  worktree_removed: boolean;
  branch_deleted: boolean;
  /** The work bead given back (open again) by a forced nuke of a polecat with work on its hook. */
  released_bead: string | null;
}

/**
 * Reap one polecat: end its session, remove its worktree, delete its branch, mark its agent bead
 * `nuked` (its slot is free; its name may be used again). Unless forced it refuses a polecat with
 * work on its hook or work git has not merged: the check is made here, right before anything is
 * destroyed, whatever the caller saw earlier.
 */
export async function reapPolecat(layout: TownLayout, tmux: Tmux, rig: string, name: string, opts: ReapOptions = {}): Promise<ReapResult> {
  const { prefix } = requireRig(readRigs(layout), rig);
  const identity = `${rig}/polecats/${name}`;
  const agentId = agentBeadId(parseAddress(identity), prefix);
  const bead = withLedger(layout, (l) => l.getAgentBead(agentId));
  if (!bead) throw new GtError('NOT_FOUND', `no polecat ${identity}`, { hint: `gt polecat list ${rig}` });
  const session = bead.session ?? `${prefix}-${name}`;
  const hook = bead.hook_bead ? withLedger(layout, (l) => l.getBead(bead.hook_bead!)) : undefined;
  const hookOpen = hook !== undefined && hook.status !== 'closed';
  if (!opts.force) {
    if (hookOpen) throw new GtError('CONFLICT', `${identity} has ${hook.id} on its hook`, { hint: `let it finish, or gt polecat nuke ${identity} --force (the bead goes back to open work)` });
    const lost = unsavedWork(await inspectPolecatWork(layout, rig, name));
    if (lost) throw new GtError('CONFLICT', `${identity} has unmerged work: ${lost}`, { hint: `merge it (gt mq list ${rig}), or gt polecat nuke ${identity} --force to throw it away` });
  }
  // The hook goes first: a polecat with no hook is never restarted by the daemon while it is killed.
  let released: string | null = null;
  withLedger(layout, (l) =>
    l.write(() => {
      if (bead.hook_bead) {
        l.setHook(agentId, null);
        if (hookOpen) {
          l.updateBead(bead.hook_bead, { status: 'open', assignee: null });
          released = bead.hook_bead;
        }
      }
    }),
  );
  const killed = await killSession(tmux, session);
  let worktreeRemoved = false;
  let branchDeleted = false;
  // Under the rig's sling lock from the worktree's removal until the name is free (nuked): a
  // sling picks a name with no worktree and no live agent bead, so without it a sling could take
  // this name between the two and find the branch deleted under it (seen at 200 beads:
  // "ambiguous argument 'refs/heads/main..refs/heads/polecat/slit'"); and two reaps' git worktree
  // removals in one clone do not race (seen: "Invalid path '.git/worktrees/furiosa'").
  const lock = await holdSlingLock(layout, rig);
  try {
    if (!opts.keep) {
      const r = await removePolecatWorktree(layout, rig, name, { deleteBranch: true });
      worktreeRemoved = r.removed;
      branchDeleted = r.branchDeleted;
      const g = git(layout.rigClone(rig));
      const branch = polecatBranch(name);
      if (opts.force && !branchDeleted && (await refExists(g, `refs/heads/${branch}`))) {
        await gitStep(`rig ${rig}: cannot delete branch ${branch}`, () => g.raw(['branch', '-D', branch]));
        branchDeleted = true;
      }
    }
    // Last: the slot frees only once its session is gone, so a dispatch never runs one over the cap.
    withLedger(layout, (l) => l.setAgentState(agentId, 'nuked'));
  } finally {
    lock.release();
  }
  return { identity, session, session_killed: killed.existed, worktree_removed: worktreeRemoved, branch_deleted: branchDeleted, released_bead: released };
}

import { existsSync, readdirSync } from 'node:fs';
import { git, mainBranch } from '../../rig/git.js';
import { isMerged, polecatBranch, worktreePaths } from '../../rig/worktree.js';
import { readRigs } from '../../town/rigs.js';
import { messageOf } from '../../errors.js';
import type { Check, CheckResult } from '../check.js';

/**
 * Per rig: worktrees git still lists whose directory is gone (prunable: `git worktree prune` is
 * safe), polecat directories git does not know, and polecat branches with no worktree. A branch
 * that is fully merged into main may be deleted safely; one with unmerged commits is reported only.
 */
export const worktreesCheck: Check = async ({ layout }) => {
  let rigs;
  try {
    rigs = readRigs(layout);
  } catch {
    return []; // the files check reports it
  }
  const out: CheckResult[] = [];
  for (const rig of Object.keys(rigs.rigs).sort()) {
    const clone = layout.rigClone(rig);
    if (!existsSync(clone)) {
      out.push({ check: `worktrees:${rig}`, status: 'fail', what: `rig ${rig}: its clone ${clone} is missing`, hint: `gt rig remove ${rig}, then gt rig add it again` });
      continue;
    }
    try {
      const g = git(clone);
      const porcelain = await g.raw(['worktree', 'list', '--porcelain']);
      const prunable = porcelain.split('\n\n').filter((b) => /^prunable/m.test(b)).map((b) => /^worktree (.*)$/m.exec(b)?.[1] ?? '?');
      const registered = new Set(await worktreePaths(g));
      const polecatsDir = layout.polecatsDir(rig);
      const dirs = existsSync(polecatsDir) ? readdirSync(polecatsDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name) : [];
      const strayDirs = dirs.filter((d) => ![...registered].some((p) => p.endsWith(`/polecats/${d}`)));
      const main = await mainBranch(clone);
      const branches = (await g.raw(['for-each-ref', '--format=%(refname:short)', 'refs/heads/polecat/'])).split('\n').filter(Boolean);
      const withTree = new Set(dirs.filter((d) => !strayDirs.includes(d)).map((d) => polecatBranch(d)));
      const orphanBranches = branches.filter((b) => !withTree.has(b));
      const merged: string[] = [];
      const unmerged: string[] = [];
      for (const b of orphanBranches) ((await isMerged(g, b, main)) ? merged : unmerged).push(b);

      if (prunable.length) {
        out.push({
          check: `worktrees:${rig}`,
          status: 'warn',
          what: `rig ${rig}: ${prunable.length} worktree${prunable.length === 1 ? '' : 's'} registered but gone: ${prunable.join(', ')}`,
          hint: 'gt doctor --fix runs git worktree prune',
          fix: async () => {
            await g.raw(['worktree', 'prune']);
            return `rig ${rig}: pruned ${prunable.length} stale worktree record${prunable.length === 1 ? '' : 's'}`;
          },
        });
      }
      if (merged.length) {
        out.push({
          check: `branches:${rig}`,
          status: 'warn',
          what: `rig ${rig}: merged polecat branch${merged.length === 1 ? '' : 'es'} without a worktree: ${merged.join(', ')}`,
          hint: 'gt doctor --fix deletes them (git branch -d: refused if not merged)',
          fix: async () => {
            for (const b of merged) await g.raw(['branch', '-d', b]);
            return `rig ${rig}: deleted ${merged.length} merged branch${merged.length === 1 ? '' : 'es'}`;
          },
        });
      }
      if (unmerged.length) {
        out.push({ check: `branches:${rig}`, status: 'warn', what: `rig ${rig}: polecat branch${unmerged.length === 1 ? '' : 'es'} with unmerged commits and no worktree: ${unmerged.join(', ')}`, hint: 'merge or delete them by hand (git -C <rig>/mayor/rig branch -D ...)' });
      }
      if (strayDirs.length) {
        out.push({ check: `worktrees:${rig}`, status: 'warn', what: `rig ${rig}: polecat directories git does not know: ${strayDirs.join(', ')}`, hint: 'look inside for work, then remove them by hand' });
      }
      if (!prunable.length && !merged.length && !unmerged.length && !strayDirs.length) {
        out.push({ check: `worktrees:${rig}`, status: 'ok', what: `rig ${rig}: ${registered.size} worktree${registered.size === 1 ? '' : 's'}, no stale ones` });
      }
    } catch (e) {
      out.push({ check: `worktrees:${rig}`, status: 'warn', what: `rig ${rig}: cannot inspect its worktrees: ${messageOf(e)}` });
    }
  }
  return out;
};

import { existsSync } from 'node:fs';
import type { TownLayout } from '../town/layout.js';
import { mainBranch } from './git.js';
import { readRigs } from './registry.js';

export interface RigInfo {
  name: string;
  prefix: string;
  state: 'active' | 'parked' | 'docked';
  git_url: string;
  agent: string | null;
  /** null when the canonical clone is missing or git cannot tell. */
  main_branch: string | null;
  added_at: string;
  path: string;
}

/** Every registered rig, sorted by name, with its main branch read from its clone. */
export async function listRigs(layout: TownLayout): Promise<RigInfo[]> {
  const rigs = readRigs(layout);
  const names = Object.keys(rigs.rigs).sort();
  return Promise.all(
    names.map(async (name) => {
      const r = rigs.rigs[name]!;
      const clone = layout.rigClone(name);
      // A listing must not fail because one rig's clone is damaged; that rig shows no branch.
      const main = existsSync(clone) ? await mainBranch(clone).catch(() => null) : null;
      return {
        name,
        prefix: r.prefix,
        state: r.state ?? 'active',
        git_url: r.git_url,
        agent: r.agent ?? null,
        main_branch: main,
        added_at: r.added_at,
        path: layout.rigDir(name),
      };
    }),
  );
}

import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { GtError, InvalidInputError, messageOf } from '../errors.js';
import { loadSettings } from '../config/settings.js';
import { runtimeNames } from '../agent/runtimes.js';
import type { RigEntry } from '../config/town-files.js';
import { withLedger } from '../ledger/ledger.js';
import { TOWN_FILES, type TownLayout } from '../town/layout.js';
import { MAIN_BRANCH_KEY, git, gitStep, refExists } from './git.js';
import { derivePrefix, prefixesInUse, validatePrefix, validateRigName } from './names.js';
import { readRigs, withRigsLock, writeRigs } from './registry.js';
import { resolveSource } from './source.js';
import { createRefineryWorktree } from './worktree.js';

export interface AddRigOptions {
  prefix?: string;
  agent?: string;
  /** Relative local paths are resolved against this (default: process.cwd()). */
  cwd?: string;
}

export interface AddRigResult {
  name: string;
  prefix: string;
  git_url: string;
  state: 'active';
  agent: string | null;
  main_branch: string;
  added_at: string;
  path: string;
  clone: string;
  refinery: string;
  agent_beads: string[];
}

/** The rig's agents that exist from the start (polecats come and go with work). */
export const RIG_AGENT_ROLES = ['witness', 'refinery'] as const;

export function rigAgentBeadIds(rig: string, prefix: string): string[] {
  return RIG_AGENT_ROLES.map((r) => `${prefix}-${rig}-${r}`);
}

function assertRuntime(layout: TownLayout, agent: string): void {
  const names = runtimeNames(loadSettings(layout.settingsFile));
  if (!names.includes(agent)) {
    throw new InvalidInputError(`unknown agent runtime ${JSON.stringify(agent)}`, `use one of ${names.join(', ')}, or define it under "agents" in ${TOWN_FILES.settingsFile}`);
  }
}

/** Refusals that need only the registry; run before the clone (fast) and again under the lock. */
function checkFree(layout: TownLayout, name: string, prefix: string | undefined): void {
  const rigs = readRigs(layout);
  if (rigs.rigs[name]) throw new GtError('CONFLICT', `rig ${name} already exists`, { hint: `see 'gt rig list'; remove it first with 'gt rig remove ${name}'` });
  if (prefix !== undefined) validatePrefix(prefix, prefixesInUse(rigs.rigs));
  if (existsSync(layout.rigDir(name))) {
    throw new GtError('CONFLICT', `${layout.rigDir(name)} already exists but is not a registered rig`, { hint: 'move it aside or pick another rig name' });
  }
}

/**
 * `gt rig add`: clone, worktrees, registry entry, agent beads — all or nothing.
 *
 * The clone (slow, and the step most likely to fail) happens outside the registry lock in a
 * staging directory under `.runtime/rig-add/`, which never looks like a rig. Under the lock the
 * name and prefix are checked again against the current registry, the staging directory is
 * renamed into place, the refinery worktree (which records absolute paths, so it is made after
 * the rename) and the witness/polecats directories are created, the entry is written (the commit
 * point), and the agent beads are created in one ledger transaction. Any failure undoes what was
 * done: no rig directory, no entry, no beads.
 */
export async function addRig(layout: TownLayout, name: string, source: string, opts: AddRigOptions = {}): Promise<AddRigResult> {
  validateRigName(name);
  const url = resolveSource(source, opts.cwd);
  if (opts.agent !== undefined) assertRuntime(layout, opts.agent);
  checkFree(layout, name, opts.prefix);

  const stagingRoot = join(layout.runtimeDir, 'rig-add');
  mkdirSync(stagingRoot, { recursive: true });
  const staging = join(stagingRoot, `${name}.${process.pid}.${randomBytes(4).toString('hex')}`);
  const stagedClone = join(staging, 'mayor', 'rig');
  mkdirSync(join(staging, 'mayor'), { recursive: true });
  try {
    await gitStep(`rig ${name}: cannot clone ${url}`, () => git(stagingRoot).clone(url, stagedClone), 'check the URL or path and that you can read it');
    const g = git(stagedClone);
    if (!(await refExists(g, 'HEAD'))) {
      throw new InvalidInputError(`rig ${name}: ${url} has no commits`, 'commit something to its default branch first');
    }
    const main = (await g.raw(['symbolic-ref', '--quiet', '--short', 'HEAD'])).trim();
    if (!main) throw new InvalidInputError(`rig ${name}: the default branch of ${url} is not a branch`, 'point its HEAD at a branch');
    await gitStep(`rig ${name}: cannot record the main branch`, () => g.raw(['config', MAIN_BRANCH_KEY, main]));

    return await withRigsLock(layout, () => install(layout, name, url, main, staging, opts));
  } finally {
    // Gone already after a successful rename; otherwise the half-made clone is dropped here.
    rmSync(staging, { recursive: true, force: true });
  }
}

async function install(layout: TownLayout, name: string, url: string, main: string, staging: string, opts: AddRigOptions): Promise<AddRigResult> {
  checkFree(layout, name, opts.prefix);
  const before = readRigs(layout);
  const prefix = opts.prefix ?? derivePrefix(name, prefixesInUse(before.rigs));
  const rigDir = layout.rigDir(name);
  let moved = false;
  let registered = false;
  try {
    renameSync(staging, rigDir);
    moved = true;
    await createRefineryWorktree(layout, name, main);
    mkdirSync(layout.witnessDir(name), { recursive: true });
    mkdirSync(layout.polecatsDir(name), { recursive: true });
    const entry: RigEntry = { git_url: url, prefix, added_at: new Date().toISOString(), state: 'active', ...(opts.agent ? { agent: opts.agent } : {}) };
    writeRigs(layout, { ...before, rigs: { ...before.rigs, [name]: entry } });
    registered = true;
    const agentBeads = withLedger(layout, (l) =>
      l.write(() => RIG_AGENT_ROLES.map((role) => l.upsertAgentBead({ address: `${name}/${role}`, prefix, agent_state: 'idle' }).id)),
    );
    return {
      name,
      prefix,
      git_url: url,
      state: 'active',
      agent: opts.agent ?? null,
      main_branch: main,
      added_at: entry.added_at,
      path: rigDir,
      clone: layout.rigClone(name),
      refinery: layout.refineryWorktree(name),
      agent_beads: agentBeads,
    };
  } catch (e) {
    rollback(layout, name, before, moved, registered, e);
    throw e;
  }
}

/** Undo a half-made rig. Still under the registry lock, so `before` is the current registry. */
function rollback(layout: TownLayout, name: string, before: ReturnType<typeof readRigs>, moved: boolean, registered: boolean, cause: unknown): void {
  const problems: string[] = [];
  if (registered) {
    try {
      writeRigs(layout, before);
    } catch (e) {
      problems.push(`could not remove its ${TOWN_FILES.rigsFile} entry (${messageOf(e)})`);
    }
  }
  if (moved) {
    try {
      rmSync(layout.rigDir(name), { recursive: true, force: true });
    } catch (e) {
      problems.push(`could not remove ${layout.rigDir(name)} (${messageOf(e)})`);
    }
  }
  if (problems.length) {
    // The original error is what the person must see; the failed cleanup is added so they can finish it by hand.
    throw new GtError('IO', `rig ${name}: ${messageOf(cause)}; rollback incomplete: ${problems.join('; ')}`, { cause });
  }
}

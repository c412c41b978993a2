/** The rigs registry, mayor/rigs.json: every read goes through its zod schema. */
import { GtError } from '../errors.js';
import { readJsonFile } from '../config/load.js';
import { rigsFileSchema, type RigEntry, type RigsFile } from '../config/town-files.js';
import { TOWN_FILES, type TownLayout } from './layout.js';

/** The rigs registry (mayor/rigs.json), read with its schema; a missing file means no rigs yet. */
export function readRigs(layout: Pick<TownLayout, 'rigsFile'>): RigsFile {
  return readJsonFile(layout.rigsFile, rigsFileSchema, { kind: 'state', label: TOWN_FILES.rigsFile, ifMissing: { version: 1, rigs: {} } });
}

/** A registered rig, or NOT_FOUND naming the rigs that exist. */
export function requireRig(rigs: RigsFile, name: string): RigEntry {
  const r = rigs.rigs[name];
  if (!r) {
    const known = Object.keys(rigs.rigs);
    throw new GtError('NOT_FOUND', `no rig ${JSON.stringify(name)} in ${TOWN_FILES.rigsFile}`, {
      hint: known.length ? `known rigs: ${known.join(', ')}` : "add one with 'gt rig add <name> <repo>'",
    });
  }
  return r;
}

import { existsSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { GtError } from '../errors.js';

export interface DiscoverOptions {
  /** --town DIR */
  flag?: string;
  /** GT_TOWN_ROOT */
  env?: string;
  cwd?: string;
}

function isTown(dir: string): boolean {
  return existsSync(join(dir, 'mayor', 'town.json'));
}

function notFound(message: string): GtError {
  return new GtError('TOWN_NOT_FOUND', message, {
    hint: "create one with 'gt install <dir>', cd into it, or pass --town DIR",
  });
}

/**
 * The town root (real path). `--town` wins over GT_TOWN_ROOT, which wins over walking up from
 * the cwd to the first directory holding mayor/town.json.
 */
export function discoverTown(opts: DiscoverOptions = {}): string {
  const explicit = opts.flag ?? (opts.env ? opts.env : undefined);
  if (explicit !== undefined) {
    const source = opts.flag !== undefined ? '--town' : 'GT_TOWN_ROOT';
    const dir = resolve(opts.cwd ?? process.cwd(), explicit);
    if (!isTown(dir)) throw notFound(`${source} ${dir}: not a gt town (no mayor/town.json there)`);
    return realpathSync(dir);
  }
  const start = resolve(opts.cwd ?? process.cwd());
  let dir = start;
  for (;;) {
    if (isTown(dir)) return realpathSync(dir);
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  throw notFound(`not inside a gt town (no mayor/town.json in ${start} or any parent)`);
}

export function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

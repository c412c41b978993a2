import { linkSync, lstatSync, rmSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { assertSocketPathFits } from '../control/socket-path.js';
import { writeFileAtomicSync, writeJsonAtomicSync } from '../fsx/atomic.js';
import { packageRoot } from '../fsx/package-root.js';
import { ensureDir } from '../fsx/dirs.js';
import { readTextBounded } from '../fsx/read.js';
import { GtError, InvalidInputError, errnoCode } from '../errors.js';
import { AGENT_NAME_RE } from '../names.js';
import { parseWith } from '../config/load.js';
import { settingsSchema } from '../config/settings.js';
import { daemonSettingsSchema } from '../config/daemon-settings.js';
import { RUNTIME_PRESETS } from '../config/roles.js';
import { townLayout } from './layout.js';
import { isDirectory } from './discover.js';

export interface InstallOptions {
  name?: string;
  agent?: string;
}

export interface InstallResult {
  root: string;
  name: string;
  agent: string;
}

/** A town name from a directory name: invalid characters become "-". */
export function defaultTownName(dir: string): string {
  const n = basename(resolve(dir)).replace(/[^a-zA-Z0-9_-]+/g, '-').replace(/^[-_]+/, '').slice(0, 63);
  return n || 'town';
}

/**
 * Create the town files of design section 3 in `dir`. mayor/town.json is created last and
 * exclusively, so a failed or racing install never leaves something that looks like a town.
 */
export function installTown(dir: string, opts: InstallOptions = {}): InstallResult {
  const root = resolve(dir);
  const name = opts.name ?? defaultTownName(root);
  if (!AGENT_NAME_RE.test(name)) {
    throw new InvalidInputError(`invalid town name ${JSON.stringify(name)}`, 'use letters, digits, "-" or "_", starting with a letter or digit');
  }
  const agent = opts.agent ?? 'claude';
  if (!(RUNTIME_PRESETS as readonly string[]).includes(agent)) {
    throw new InvalidInputError(
      `unknown agent runtime ${JSON.stringify(agent)}`,
      `use one of ${RUNTIME_PRESETS.join(', ')}; custom runtimes are added under "agents" in settings/config.json`,
    );
  }
  const layout = townLayout(root);
  // Before anything is made: a town whose daemon cannot open its socket is no use.
  assertSocketPathFits(layout.controlSocket);
  if (isDirectory(layout.mayorDir) && safeExists(layout.townFile)) {
    throw new GtError('TOWN_EXISTS', `${root} already holds a town (mayor/town.json exists)`, {
      hint: 'pick another directory, or use the existing town',
    });
  }

  ensureDir(root);
  for (const d of [layout.mayorDir, layout.settingsDir, layout.daemonDir, layout.deaconDir, layout.bootDir, layout.heartbeatsDir]) ensureDir(d);

  const templates = join(packageRoot(), 'templates', 'settings');
  const settings = readTemplate(join(templates, 'config.json')) as Record<string, unknown>;
  settings.agent = agent;
  // The template must itself be valid: installing a town that the daemon rejects helps nobody.
  parseWith(settingsSchema, settings, 'templates/settings/config.json');
  const daemonSettings = readTemplate(join(templates, 'daemon.json'));
  parseWith(daemonSettingsSchema, daemonSettings, 'templates/settings/daemon.json');

  if (!safeExists(layout.settingsFile)) writeJsonAtomicSync(layout.settingsFile, settings);
  if (!safeExists(layout.daemonSettingsFile)) writeJsonAtomicSync(layout.daemonSettingsFile, daemonSettings);
  if (!safeExists(layout.rigsFile)) writeJsonAtomicSync(layout.rigsFile, { version: 1, rigs: {} });

  const townJson = `${JSON.stringify({ name, version: 1, created_at: new Date().toISOString() }, null, 2)}\n`;
  const tmp = join(layout.mayorDir, `.town.json.${randomBytes(4).toString('hex')}.tmp`);
  writeFileAtomicSync(tmp, townJson);
  try {
    linkSync(tmp, layout.townFile);
  } catch (e) {
    if (errnoCode(e) === 'EEXIST') {
      throw new GtError('TOWN_EXISTS', `${root} already holds a town (mayor/town.json exists)`, {
        hint: 'pick another directory, or use the existing town',
      });
    }
    throw e;
  } finally {
    rmSync(tmp, { force: true });
  }
  return { root, name, agent };
}

/** Anything at the path (a file, a link, a FIFO) counts: install never overwrites it. */
function safeExists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch (e) {
    return errnoCode(e) !== 'ENOENT';
  }
}

function readTemplate(path: string): unknown {
  const r = readTextBounded(path, { cap: 'config' });
  if (!r.ok) throw new GtError('IO', `gt's own template ${path} ${r.missing ? 'is missing' : r.invalid}`, { hint: 'reinstall gt' });
  return JSON.parse(r.text) as unknown;
}

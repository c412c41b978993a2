import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { getRuntime, type Runtime } from '../../agent/runtimes.js';
import { loadDaemonSettings } from '../../config/daemon-settings.js';
import { loadSettings } from '../../config/settings.js';
import { flockHolders, readProcEnviron } from '../../fsx/proc.js';
import { isGtError, messageOf } from '../../errors.js';
import { readRigs } from '../../town/rigs.js';
import type { Check, CheckResult } from '../check.js';
import { loginLines } from './login.js';

/**
 * Each runtime the town's roles and rigs use must be runnable from the PATH the daemon starts
 * agents with (its own, read from /proc, unless settings/daemon.json `env` sets PATH); when no
 * daemon runs, this shell's PATH stands in (a daemon started from here inherits it).
 * Login and first-run state: login.ts, one line under each runtime found.
 */
export function findOnPath(command: string, path: string): string | undefined {
  const candidates = isAbsolute(command) || command.includes('/') ? [command] : path.split(delimiter).filter(Boolean).map((d) => join(d, command));
  for (const c of candidates) {
    try {
      if (!statSync(c).isFile()) continue;
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // Not here.
    }
  }
  return undefined;
}

export const runtimesCheck: Check = async ({ town, layout, probe }) => {
  let settings, daemonSettings, rigs;
  try {
    settings = loadSettings(layout.settingsFile);
    daemonSettings = loadDaemonSettings(layout.daemonSettingsFile);
    rigs = readRigs(layout);
  } catch (e) {
    return [{ check: 'runtimes', status: 'fail', what: `cannot tell which runtimes are used: ${isGtError(e) ? e.line : messageOf(e)}`, hint: 'fix the settings file first (see the files check)' }];
  }
  const names = new Set<string>([settings.agent]);
  for (const r of Object.values(settings.roles)) if (r?.agent) names.add(r.agent);
  for (const r of Object.values(rigs.rigs)) if (r.agent) names.add(r.agent);

  const daemonPid = flockHolders(layout.daemonLock)[0];
  const daemonEnviron = daemonPid !== undefined ? readProcEnviron(daemonPid) : undefined;
  const daemonPath = daemonEnviron?.get('PATH');
  const path = daemonSettings.env.PATH ?? daemonPath ?? process.env.PATH ?? '';
  const whose = daemonSettings.env.PATH !== undefined ? 'settings/daemon.json env PATH' : daemonPath !== undefined ? `the daemon's PATH (pid ${daemonPid})` : "this shell's PATH (no daemon runs; one started from here inherits it)";

  const out: CheckResult[] = [];
  const runnable: Runtime[] = [];
  for (const name of [...names].sort()) {
    let rt: Runtime;
    try {
      rt = getRuntime(settings, name);
    } catch (e) {
      out.push({ check: `runtime:${name}`, status: 'fail', what: isGtError(e) ? e.line : messageOf(e), hint: 'define it under "agents" in settings/config.json' });
      continue;
    }
    const found = findOnPath(rt.env.PATH ? rt.command : rt.command, rt.env.PATH ?? path);
    if (!found) {
      out.push({
        check: `runtime:${name}`,
        status: 'fail',
        what: `${JSON.stringify(rt.command)} is not on ${rt.env.PATH ? `agents.${name}.env PATH` : whose}`,
        hint: `install it, or set agents.${name}.command to its full path in settings/config.json`,
      });
      continue;
    }
    out.push({ check: `runtime:${name}`, status: 'ok', what: `${rt.command} found at ${found} (${whose})` });
    runnable.push(rt);
  }
  // The environment the daemon's agents inherit: the daemon's own, else this shell's (a daemon started from here gets it).
  const inherited: Record<string, string> = {};
  for (const [k, v] of daemonEnviron ?? Object.entries(process.env)) if (v !== undefined) inherited[k] = v;
  const login = await loginLines({ town, layout, settings, daemonSettings, rigs, inherited, probe: probe !== false }, runnable);
  // Each runtime's login line right under its PATH line.
  return out.flatMap((r) => {
    const l = login.find((x) => x.check === `login:${r.check.slice('runtime:'.length)}`);
    return r.status === 'ok' && l ? [r, l] : [r];
  });
};

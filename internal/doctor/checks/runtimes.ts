import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { getRuntime, type Runtime } from '../../agent/runtimes.js';
import { loadDaemonSettings } from '../../config/daemon-settings.js';
import { loadSettings } from '../../config/settings.js';
import { flockHolders, readProcEnviron } from '../../fsx/proc.js';
import { isGtError, messageOf } from '../../errors.js';
import { readRigs } from '../../town/rigs.js';
import type { Check, CheckResult } from '../check.js';

/**
 * Each runtime the town's roles and rigs use must be runnable from the PATH the daemon starts
 * agents with (its own, read from /proc, unless settings/daemon.json `env` sets PATH); when no
 * daemon runs, this shell's PATH stands in (a daemon started from here inherits it).
 * Login and first-run state: what can be told is said, what cannot is said too.
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

export const runtimesCheck: Check = async ({ layout }) => {
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
  const daemonPath = daemonPid !== undefined ? readProcEnviron(daemonPid)?.get('PATH') : undefined;
  const path = daemonSettings.env.PATH ?? daemonPath ?? process.env.PATH ?? '';
  const whose = daemonSettings.env.PATH !== undefined ? 'settings/daemon.json env PATH' : daemonPath !== undefined ? `the daemon's PATH (pid ${daemonPid})` : "this shell's PATH (no daemon runs; one started from here inherits it)";

  const out: CheckResult[] = [];
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
    out.push(loginState(name));
  }
  return out;
};

/**
 * Whether a CLI is logged in and past its first-run screens can only be told reliably from its
 * screen (the blocking-screen recognisers of the real-agents work, not in this build). Until then
 * this says so instead of guessing from files the CLIs may change.
 */
function loginState(name: string): CheckResult {
  if (name === 'sim') return { check: `login:${name}`, status: 'ok', what: 'the sim needs no login' };
  return {
    check: `login:${name}`,
    status: 'warn',
    what: `cannot tell yet whether ${name} is logged in and past its first-run screens (needs its blocking-screen recognisers)`,
    hint: `run ${name} once by hand with the daemon's HOME and finish its login/onboarding`,
  };
}

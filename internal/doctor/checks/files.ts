import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonFile } from '../../config/load.js';
import { loadDaemonSettings } from '../../config/daemon-settings.js';
import { readHeartbeatFileAt } from '../../config/heartbeat-file.js';
import { loadSettings } from '../../config/settings.js';
import { townFileSchema } from '../../config/town-files.js';
import { readDaemonState } from '../../daemon/state.js';
import { loadJobsState } from '../../daemon/jobs/records.js';
import { loadNotifyState, loadRestartState } from '../../daemon/policy/index.js';
import { isGtError, messageOf } from '../../errors.js';
import { TOWN_FILES } from '../../town/layout.js';
import { readRigs } from '../../town/rigs.js';
import type { Check, CheckResult } from '../check.js';

/** Every file of the town that has a schema, read through it. One line per bad file, one for the rest. */
export const filesCheck: Check = async ({ layout }) => {
  const out: CheckResult[] = [];
  let good = 0;
  const tryRead = (label: string, read: () => unknown, hint: string) => {
    try {
      const r = read() as { warning?: string } | undefined;
      // The daemon's own state files load as empty when corrupt and say so in `warning`.
      if (r && typeof r === 'object' && typeof r.warning === 'string') out.push({ check: 'files', status: 'warn', what: r.warning, hint });
      else good++;
    } catch (e) {
      out.push({ check: 'files', status: 'fail', what: isGtError(e) ? e.line : `${label}: ${messageOf(e)}`, hint });
    }
  };
  tryRead(TOWN_FILES.townFile, () => readJsonFile(layout.townFile, townFileSchema, { kind: 'state', label: TOWN_FILES.townFile }), 'restore it, or gt install a new town');
  tryRead(TOWN_FILES.rigsFile, () => readRigs(layout), 'fix the named key (see README: Where files live)');
  tryRead(TOWN_FILES.settingsFile, () => loadSettings(layout.settingsFile), 'fix the named key; defaults are in templates/settings/config.json');
  tryRead(TOWN_FILES.daemonSettingsFile, () => loadDaemonSettings(layout.daemonSettingsFile), 'fix the named key; defaults are in templates/settings/daemon.json');
  const daemonHint = 'the daemon starts it afresh; move the file aside to silence this';
  tryRead('daemon/state.json', () => readDaemonState(layout.daemonState), daemonHint);
  tryRead('daemon/restart_state.json', () => loadRestartState(layout.restartState), daemonHint);
  tryRead('daemon/notify_state.json', () => loadNotifyState(layout.notifyState), daemonHint);
  tryRead('daemon/jobs.json', () => loadJobsState(layout.jobsState), daemonHint);
  let beats: string[] = [];
  try {
    beats = readdirSync(layout.heartbeatsDir).filter((f) => f.endsWith('.json'));
  } catch {
    // No heartbeat files yet.
  }
  for (const f of beats) {
    const label = `.runtime/heartbeats/${f}`;
    tryRead(label, () => readHeartbeatFileAt(join(layout.heartbeatsDir, f), label), 'the agent rewrites it on its next sign of life; delete it if the agent is gone');
  }
  if (out.length === 0) out.push({ check: 'files', status: 'ok', what: `${good} town files match their schemas` });
  return out;
};

import { existsSync, rmSync } from 'node:fs';
import { readPidFile } from '../../fsx/pidfile.js';
import { flockHolders, pidRunning } from '../../fsx/proc.js';
import { probeDaemon } from '../../daemon/probe.js';
import type { Check, CheckResult } from '../check.js';

/**
 * daemon/daemon.lock (who holds it: the truth), daemon/daemon.pid and daemon/control.sock must
 * agree. With no lock holder there is no daemon, so a pid file or socket left behind is stale and
 * safe to remove (re-checked right before removing).
 */
export const daemonCheck: Check = async ({ layout }) => {
  const holders = flockHolders(layout.daemonLock);
  const pidFile = readPidFile(layout.daemonPid);
  const probe = await probeDaemon(layout);
  const out: CheckResult[] = [];
  const noDaemon = () => flockHolders(layout.daemonLock).length === 0;
  if (holders.length === 0) {
    if (pidFile) {
      out.push({
        check: 'daemon-pid',
        status: 'warn',
        what: `stale daemon/daemon.pid: no daemon holds daemon/daemon.lock (pid ${pidFile.pid} ${pidRunning(pidFile.pid) ? 'is some other process now' : 'is not running'})`,
        hint: 'gt doctor --fix removes it',
        fix: async () => {
          if (!noDaemon()) return 'left daemon/daemon.pid: a daemon took the lock meanwhile';
          rmSync(layout.daemonPid, { force: true });
          return 'removed daemon/daemon.pid';
        },
      });
    } else if (existsSync(layout.daemonPid)) {
      out.push({ check: 'daemon-pid', status: 'warn', what: 'daemon/daemon.pid is malformed and no daemon runs', hint: 'gt doctor --fix removes it', fix: async () => (noDaemon() ? (rmSync(layout.daemonPid, { force: true }), 'removed daemon/daemon.pid') : 'left it: a daemon started meanwhile') });
    }
    if (existsSync(layout.controlSocket) && !probe.running) {
      out.push({
        check: 'daemon-socket',
        status: 'warn',
        what: 'stale daemon/control.sock: nothing listens and no daemon holds the lock',
        hint: 'gt doctor --fix removes it',
        fix: async () => {
          if (!noDaemon()) return 'left daemon/control.sock: a daemon took the lock meanwhile';
          rmSync(layout.controlSocket, { force: true });
          return 'removed daemon/control.sock';
        },
      });
    }
    if (out.length === 0) out.push({ check: 'daemon', status: 'ok', what: 'not running; no stale pid file or socket (gt daemon start)' });
    return out;
  }
  const holder = holders[0]!;
  if (!probe.running) {
    return [{ check: 'daemon', status: 'fail', what: `pid ${holder} holds daemon/daemon.lock but the control socket does not answer (${probe.reason})`, hint: 'it may be starting or stuck: gt daemon stop, then gt daemon start' }];
  }
  if (!pidFile || pidFile.pid !== holder || probe.pid !== holder || probe.nonce !== pidFile.nonce) {
    return [{
      check: 'daemon',
      status: 'fail',
      what: `lock holder (pid ${holder}), daemon/daemon.pid (${pidFile ? `pid ${pidFile.pid}` : 'missing'}) and the socket's answer (pid ${probe.pid}) disagree`,
      hint: 'gt daemon restart',
    }];
  }
  return [{ check: 'daemon', status: 'ok', what: `running (pid ${holder}): lock, pid file and socket agree` }];
};

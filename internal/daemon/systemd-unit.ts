import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { InvalidInputError } from '../errors.js';
import { gtCommand } from './start.js';

/**
 * The systemd user unit `gt daemon install` writes: the daemon in the foreground, restarted by
 * systemd when it dies (Restart=on-failure: a crash or kill -9, not a clean stop such as gt down
 * or gt daemon stop). GT_DAEMON_SUPERVISOR=systemd tells the daemon not to start its own keeper.
 * systemd's user manager starts services with its own short PATH and none of the shell's
 * variables: the unit carries the PATH of the shell that ran `gt daemon install` (where the agent
 * CLIs were found) and GT_TMUX_SOCKET when it is set, so the daemon under systemd finds the same
 * runtimes and the same tmux server as one started by hand.
 */

/** The shell's variables the unit carries over (each only when set). */
export const UNIT_ENV_KEYS = ['PATH', 'GT_TMUX_SOCKET'] as const;

/** One unit per town: the name carries a hash of the town's path. */
export function unitName(town: string): string {
  return `gt-daemon-${createHash('sha256').update(town).digest('hex').slice(0, 12)}.service`;
}

/** ~/.config/systemd/user (or $XDG_CONFIG_HOME/systemd/user). */
export function userUnitDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith('/') ? env.XDG_CONFIG_HOME : join(env.HOME || homedir(), '.config');
  return join(base, 'systemd', 'user');
}

function refuseControl(s: string, what: string): void {
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(s)) throw new InvalidInputError(`cannot write a systemd unit for ${what} ${JSON.stringify(s)}: it contains a control character`, 'remove newlines and control characters from it');
}

/** One ExecStart word: double-quoted, with systemd's own escapes (\\, \", %%, $$). */
function unitWord(s: string): string {
  refuseControl(s, 'the command word');
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%').replace(/\$/g, '$$$$')}"`;
}

/** One Environment= assignment, quoted (Environment= expands % specifiers, not $). */
function unitEnv(key: string, value: string): string {
  refuseControl(value, key);
  return `Environment="${key}=${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%')}"`;
}

export function systemdUnit(town: string, env: NodeJS.ProcessEnv = process.env): string {
  const { command, args } = gtCommand();
  const exec = [command, ...args, 'daemon', 'run', '--town', town].map(unitWord).join(' ');
  return [
    '# Written by gt daemon install. Enable: systemctl --user daemon-reload && systemctl --user enable --now ' + unitName(town),
    '[Unit]',
    `Description=gt daemon for the town at ${town.replace(/%/g, '%%')}`,
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${exec}`,
    `WorkingDirectory=${unitWord(town)}`,
    'Environment=GT_DAEMON_SUPERVISOR=systemd',
    ...UNIT_ENV_KEYS.filter((k) => env[k]).map((k) => unitEnv(k, env[k]!)),
    // A crash or kill -9 restarts it; a clean stop (exit 0: gt down, gt daemon stop) does not.
    'Restart=on-failure',
    'RestartSec=5',
    // TERM lets the current tick finish (gt daemon stop waits as long).
    'KillSignal=SIGTERM',
    'TimeoutStopSec=60',
    '',
    '[Install]',
    'WantedBy=default.target',
    '',
  ].join('\n');
}

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandContext, CommandSpec } from '../spec.js';
import { GtError } from '../../errors.js';
import { writeFileAtomicSync } from '../../fsx/atomic.js';
import { systemdUnit, unitName, userUnitDir } from '../../daemon/systemd-unit.js';
import { printJson } from '../output.js';

export const spec: CommandSpec = {
  usage: 'gt daemon install [--enable] [--town DIR] [--json]',
  description:
    "Write a systemd user unit that runs this town's daemon and restarts it when it dies (Restart=on-failure; a clean stop such as gt down is not restarted). Prints where it wrote it and how to enable it; runs systemctl only with --enable.",
  options: {
    enable: { type: 'boolean', description: 'also run: systemctl --user daemon-reload, then enable --now the unit' },
    json: { type: 'boolean', description: 'print {unit, path, changed, enabled} as JSON' },
  },
  details: [
    'The unit goes to $XDG_CONFIG_HOME/systemd/user (default ~/.config/systemd/user), named',
    'gt-daemon-<hash of the town path>.service. Stop a daemon started by hand first (gt daemon stop):',
    'the lock lets only one daemon run, and the one systemd starts would exit "already running".',
    'The unit carries this shell\'s PATH (where the agent CLIs are found) and GT_TMUX_SOCKET if set:',
    'systemd gives its services neither. Run gt daemon install again after changing them.',
    'Without systemd (macOS): see README, "When the daemon itself dies, and the daemon at boot",',
    'for a launchd agent.',
  ].join('\n'),
};

export async function run(ctx: CommandContext): Promise<number> {
  const town = ctx.town();
  const name = unitName(town);
  const dir = userUnitDir();
  const path = join(dir, name);
  const text = systemdUnit(town);
  const changed = !existsSync(path) || readFileSync(path, 'utf8') !== text;
  if (changed) {
    mkdirSync(dir, { recursive: true });
    writeFileAtomicSync(path, text);
  }
  let enabled = false;
  if (ctx.args.values.enable) {
    for (const args of [['--user', 'daemon-reload'], ['--user', 'enable', '--now', name]]) {
      const r = spawnSync('systemctl', args, { encoding: 'utf8' });
      if (r.error || r.status !== 0) {
        const why = r.error ? r.error.message : (r.stderr || r.stdout).trim() || `exit ${r.status}`;
        throw new GtError('IO', `systemctl ${args.join(' ')} failed: ${why}`, { hint: `the unit is at ${path}; enable it by hand once systemd's user manager runs` });
      }
    }
    enabled = true;
  }
  if (ctx.json) printJson({ unit: name, path, changed, enabled });
  else {
    ctx.out(`${changed ? 'wrote' : 'unchanged:'} ${path}`);
    if (enabled) ctx.out(`enabled and started ${name}`);
    else {
      ctx.out('enable it (after gt daemon stop, if a daemon runs):');
      ctx.out('  systemctl --user daemon-reload');
      ctx.out(`  systemctl --user enable --now ${name}`);
      ctx.out('to run without a login session: loginctl enable-linger $USER');
    }
  }
  return 0;
}

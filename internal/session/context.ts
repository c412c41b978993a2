import { loadDaemonSettings } from '../config/daemon-settings.js';
import { loadSettings } from '../config/settings.js';
import { townLayout } from '../town/layout.js';
import { readRigs } from '../town/rigs.js';
import { Tmux, townSocketName } from '../tmux/index.js';
import type { LaunchContext } from './launch.js';

/** Everything needed to find and start a town's agents, read once. */
export function loadLaunchContext(town: string): LaunchContext {
  const layout = townLayout(town);
  return {
    town,
    tmux: new Tmux(townSocketName(town)),
    settings: loadSettings(layout.settingsFile),
    daemonSettings: loadDaemonSettings(layout.daemonSettingsFile),
    rigs: readRigs(layout),
  };
}

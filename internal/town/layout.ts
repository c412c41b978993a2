import { join } from 'node:path';

/** Every path inside a town, in one place (design section 3). */
export function townLayout(root: string) {
  const daemonDir = join(root, 'daemon');
  return {
    root,
    mayorDir: join(root, 'mayor'),
    townFile: join(root, 'mayor', 'town.json'),
    rigsFile: join(root, 'mayor', 'rigs.json'),
    settingsDir: join(root, 'settings'),
    settingsFile: join(root, 'settings', 'config.json'),
    daemonSettingsFile: join(root, 'settings', 'daemon.json'),
    beadsDir: join(root, '.beads'),
    ledgerFile: join(root, '.beads', 'beads.db'),
    daemonDir,
    daemonLock: join(daemonDir, 'daemon.lock'),
    daemonPid: join(daemonDir, 'daemon.pid'),
    daemonState: join(daemonDir, 'state.json'),
    daemonLog: join(daemonDir, 'daemon.log'),
    restartState: join(daemonDir, 'restart_state.json'),
    /** Held for a whole tick by the daemon, and by anyone else who changes restart_state.json. */
    restartStateLock: join(daemonDir, 'restart_state.lock'),
    notifyState: join(daemonDir, 'notify_state.json'),
    jobsState: join(daemonDir, 'jobs.json'),
    controlSocket: join(daemonDir, 'control.sock'),
    shutdownLock: join(daemonDir, 'shutdown.lock'),
    /** Held by the daemon's keeper (daemon/keeper.ts): one per town. */
    keeperLock: join(daemonDir, 'keeper.lock'),
    estop: join(root, 'ESTOP'),
    dashboardDir: join(root, 'dashboard'),
    dashboardToken: join(root, 'dashboard', 'token'),
    dashboardLock: join(root, 'dashboard', 'dashboard.lock'),
    dashboardPid: join(root, 'dashboard', 'dashboard.pid'),
    dashboardState: join(root, 'dashboard', 'state.json'),
    dashboardLog: join(root, 'dashboard', 'dashboard.log'),
    deaconDir: join(root, 'deacon'),
    deaconHeartbeat: join(root, 'deacon', 'heartbeat.json'),
    bootDir: join(root, 'deacon', 'dogs', 'boot'),
    runtimeDir: join(root, '.runtime'),
    heartbeatsDir: join(root, '.runtime', 'heartbeats'),
    heartbeatFile: (session: string) => join(root, '.runtime', 'heartbeats', `${session}.json`),
    /** Files gt generates for one agent session (CLI settings, hook config, its conversation id); never in a worktree. */
    agentStateDir: (session: string) => join(root, '.runtime', 'agents', session),
    /** `gt` for agents: a shim that runs this gt, first on every agent's PATH. */
    agentBinDir: join(root, '.runtime', 'bin'),
    rigDir: (rig: string) => join(root, rig),
    rigClone: (rig: string) => join(root, rig, 'mayor', 'rig'),
    refineryWorktree: (rig: string) => join(root, rig, 'refinery', 'rig'),
    witnessDir: (rig: string) => join(root, rig, 'witness'),
    polecatsDir: (rig: string) => join(root, rig, 'polecats'),
    polecatWorktree: (rig: string, name: string) => join(root, rig, 'polecats', name),
    crewDir: (rig: string, name: string) => join(root, rig, 'crew', name),
  };
}

export type TownLayout = ReturnType<typeof townLayout>;

/** Paths relative to the town root, for messages a person reads. */
export const TOWN_FILES = {
  townFile: 'mayor/town.json',
  rigsFile: 'mayor/rigs.json',
  settingsFile: 'settings/config.json',
  daemonSettingsFile: 'settings/daemon.json',
} as const;

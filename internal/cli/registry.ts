import type { CommandModule } from './spec.js';

/**
 * Every command gt has. Modules are imported only when their command runs, so `gt --version`
 * and `gt daemon status` do not pay for what `gt rig add` needs.
 */
export interface CommandEntry {
  path: readonly string[];
  summary: string;
  load: () => Promise<CommandModule>;
}

export const COMMANDS: readonly CommandEntry[] = [
  { path: ['install'], summary: 'create a new town in a directory', load: () => import('./commands/install.js') },
  { path: ['daemon', 'start'], summary: 'start the daemon in the background', load: () => import('./commands/daemon-start.js') },
  { path: ['daemon', 'run'], summary: 'run the daemon in the foreground', load: () => import('./commands/daemon-run.js') },
  { path: ['daemon', 'stop'], summary: 'stop the running daemon', load: () => import('./commands/daemon-stop.js') },
  { path: ['daemon', 'restart'], summary: 'stop, then start the daemon', load: () => import('./commands/daemon-restart.js') },
  { path: ['daemon', 'status'], summary: 'is the daemon running; its pid, ticks and log', load: () => import('./commands/daemon-status.js') },
  { path: ['daemon', 'pid'], summary: "print the daemon's pid", load: () => import('./commands/daemon-pid.js') },
  { path: ['daemon', 'logs'], summary: "show or follow the daemon's log", load: () => import('./commands/daemon-logs.js') },
  { path: ['daemon', 'tick'], summary: 'run one tick now and wait for it', load: () => import('./commands/daemon-tick.js') },
  { path: ['prime'], summary: "print the current agent's role instructions", load: () => import('./commands/prime.js') },
  { path: ['sim'], summary: 'run the simulated agent (no LLM) in this terminal', load: () => import('./commands/sim.js') },
];

export const GROUP_SUMMARIES: Record<string, string> = {
  daemon: 'the background daemon that keeps role sessions alive',
};

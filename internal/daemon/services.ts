import { existsSync } from 'node:fs';
import { gtMainJs } from '../agent/runtimes.js';
import { loadDaemonSettings, type DaemonSettings } from '../config/daemon-settings.js';
import type { Settings } from '../config/settings.js';
import { ConfigError, messageOf } from '../errors.js';
import { flockHolders } from '../fsx/proc.js';
import type { TownLayout } from '../town/layout.js';
import type { Handler } from '../control/server.js';
import type { EventBus } from './events.js';
import { JobScheduler } from './jobs/scheduler.js';
import type { Logger } from './logger.js';

/**
 * The daemon's work beside the tick: scheduled jobs, notifications to the person, metrics. Each
 * keeps its own timers (never the tick's), listens to the daemon's EventBus, and is started,
 * reloaded and stopped here, so the daemon's main loop wires all of them in a few lines.
 */

export interface ServicesEnv {
  town: string;
  layout: TownLayout;
  log: Logger;
  events: EventBus;
  settings: () => Settings;
}

export interface DaemonServices {
  /** Control-socket methods these services answer. */
  handlers: Record<string, Handler>;
  /** After the daemon is ready. */
  start(): Promise<void>;
  /** SIGHUP, after settings/config.json was reloaded. */
  reload(): void;
  /** Before the daemon exits: ends job runs, flushes what can be flushed, closes listeners. */
  stop(): Promise<void>;
}

/** Why nothing may be started right now: the same gates the tick honours. */
export function closedGate(layout: Pick<TownLayout, 'estop' | 'shutdownLock'>): string | undefined {
  if (existsSync(layout.estop)) return 'ESTOP is set (gt thaw to resume)';
  if (flockHolders(layout.shutdownLock).length > 0) return 'daemon/shutdown.lock is held (gt down)';
  return undefined;
}

export function createServices(env: ServicesEnv): DaemonServices {
  const { layout, log, events } = env;
  const jobs = new JobScheduler({
    town: env.town,
    layout,
    log,
    gtArgv: (args) => [process.execPath, gtMainJs(), ...args],
    gate: () => closedGate(layout),
    emit: (e) => events.emit(e),
  });
  let daemonSettings: DaemonSettings | undefined;
  let started = false;
  const loadJobs = (why: string): DaemonSettings | undefined => {
    try {
      return loadDaemonSettings(layout.daemonSettingsFile);
    } catch (e) {
      log.warn(`${why}: ${e instanceof ConfigError ? e.line : messageOf(e)}${daemonSettings ? '; kept the previous jobs' : '; no jobs scheduled'}`);
      return undefined;
    }
  };

  return {
    handlers: {},
    async start() {
      started = true;
      daemonSettings = loadJobs('jobs');
      if (daemonSettings) jobs.start(daemonSettings);
    },
    reload() {
      if (!started) return; // start() reads the files fresh anyway
      const next = loadJobs('SIGHUP: settings/daemon.json');
      if (!next) return;
      daemonSettings = next;
      jobs.reload(next);
    },
    async stop() {
      await jobs.stop();
    },
  };
}

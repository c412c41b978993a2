import { gtMainJs } from '../agent/runtimes.js';
import { loadDaemonSettings, type DaemonSettings } from '../config/daemon-settings.js';
import type { Settings } from '../config/settings.js';
import { ConfigError, messageOf } from '../errors.js';
import { flockHolders } from '../fsx/proc.js';
import { estopActive } from './estop.js';
import { withLedger } from '../ledger/index.js';
import { NOTIFY_KINDS, type NotifyEvent } from '../notify/event.js';
import { notifierFromSettings } from '../notify/from-settings.js';
import type { Notifier } from '../notify/notifier.js';
import { listAgents } from './agents-view.js';
import type { TownLayout } from '../town/layout.js';
import type { DaemonEvent, EventBus } from './events.js';
import { JobScheduler } from './jobs/scheduler.js';
import type { Logger } from './logger.js';
import { createMetrics, type AgentSample } from './metrics.js';
import { serveMetrics, type MetricsHttp } from './metrics-http.js';

/**
 * The daemon's work beside the tick: scheduled jobs, notifications to the person, metrics. Each
 * keeps its own timers (never the tick's) and listens to the daemon's EventBus; they are started,
 * reloaded and stopped here, so the daemon's main loop wires all of them in a few lines.
 *
 * Telling the person from anywhere in the daemon: emit on the EventBus
 *   { type: 'person', kind, key, title, message, severity?, agent?, data? }   (notify once per episode)
 *   { type: 'person', kind, key, resolve: true }                              (the episode is over)
 * (NEEDS_HUMAN from the blocked-agent policy, QUEUE_DRAINED from the dispatch queue, or any kind).
 */


/** Daemon mail (by subject prefix) that is also a person event through the notifier. */
const PERSON_MAIL: ReadonlyArray<{ kind: string; severity: 'warning' | 'critical'; then?: (agent: string) => string }> = [
  { kind: NOTIFY_KINDS.crashLoop, severity: 'critical', then: (a) => `once fixed: gt daemon clear-backoff ${a}` },
  { kind: NOTIFY_KINDS.noProgress, severity: 'critical', then: (a) => `have a look (gt attach ${a}), then: gt daemon clear-backoff ${a}` },
  { kind: NOTIFY_KINDS.usageLimit, severity: 'warning' },
];

export interface ServicesEnv {
  town: string;
  layout: TownLayout;
  log: Logger;
  events: EventBus;
  settings: () => Settings;
  /** An emergency stop the daemon holds in memory (daemon/estop.ts). */
  estopHeld?: () => boolean;
}

export interface DaemonServices {
  /** For the control socket's `metrics` method. */
  metrics: { text(): Promise<string>; contentType: string };
  /** For the control socket's `question` method: notify open questions not yet notified. */
  notifyQuestions(): number;
  /** After the daemon is ready. */
  start(): Promise<void>;
  /** SIGHUP, after settings/config.json was reloaded. */
  reload(): void;
  /** Before the daemon exits: ends job runs, drops unsent notifications (logged), closes listeners. */
  stop(): Promise<void>;
}

/** Why nothing may be started right now: the same gates the tick honours. */
export function closedGate(layout: Pick<TownLayout, 'estop' | 'shutdownLock'>, estopHeld?: () => boolean): string | undefined {
  if (estopActive(layout, estopHeld)) return 'ESTOP is set (gt thaw to resume)';
  if (flockHolders(layout.shutdownLock).length > 0) return 'daemon/shutdown.lock is held (gt down)';
  return undefined;
}

/** A scrape asks for the agents twice (two gauges); one look serves both. */
const AGENT_SAMPLE_TTL_MS = 1_000;

export function createServices(env: ServicesEnv): DaemonServices {
  const { layout, log, events } = env;
  let started = false;

  // Metrics first: the notifier reports its outcomes to them.
  let sample: { at: number; rows: Promise<AgentSample[]> } | undefined;
  const metrics = createMetrics({
    agents: () => {
      if (!sample || Date.now() - sample.at > AGENT_SAMPLE_TTL_MS) sample = { at: Date.now(), rows: listAgents(env.town) };
      return sample.rows;
    },
  });
  let metricsHttp: { listen: string | null; server?: MetricsHttp } = { listen: null };
  const applyMetricsListen = async () => {
    const want = env.settings().daemon.metrics_listen;
    if (want === metricsHttp.listen) return;
    const old = metricsHttp.server;
    metricsHttp = { listen: want };
    await old?.close();
    if (old) log.info(`metrics: stopped serving ${old.address}`);
    if (want === null) return;
    try {
      metricsHttp.server = await serveMetrics(want, metrics);
      log.info(`metrics: serving http://${metricsHttp.server.address}/metrics`);
    } catch (e) {
      log.error(`metrics: cannot listen on ${want}: ${messageOf(e)} (daemon.metrics_listen)`);
    }
  };

  const makeNotifier = (): Notifier =>
    notifierFromSettings(env.settings().notify, {
      town: env.town,
      log,
      onResult: (r) => metrics.notification(r),
    });
  let notifier = makeNotifier();

  /** Open questions not yet notified go to the notifier (marked in the ledger, so once across restarts). */
  const notifyQuestions = (): number => {
    if (notifier.sinks.length === 0) return 0;
    try {
      return withLedger(layout, (l) => {
        const fresh = l.openQuestions().filter((q) => q.notified_at === null);
        const queued: string[] = [];
        for (const q of fresh) {
          const options = q.options ? `\noptions: ${q.options.join(', ')}` : '';
          const outcome = notifier.notify({
            kind: NOTIFY_KINDS.question,
            key: q.id,
            title: `${q.from} asks: ${q.text.split('\n')[0]!.slice(0, 120)}`,
            message: `${q.text}${options}\nanswer: gt answer ${q.id} "..." (before ${q.expires_at})`,
            severity: 'warning',
            agent: q.from,
            data: { id: q.id, options: q.options, expires_at: q.expires_at },
          });
          if (outcome === 'queued' || outcome === 'duplicate') queued.push(q.id);
        }
        l.markQuestionsNotified(queued);
        return queued.length;
      });
    } catch (e) {
      log.warn(`notify: could not read open questions: ${messageOf(e)}`);
      return 0;
    }
  };

  const onEvent = (e: DaemonEvent) => {
    metrics.observe(e);
    if (e.type === 'person' && typeof e.kind === 'string' && typeof e.key === 'string') {
      if (e.resolve === true) notifier.resolve(e.kind, e.key);
      else if (typeof e.title === 'string' && typeof e.message === 'string') notifier.notify(e as unknown as NotifyEvent);
    } else if (e.type === 'action' && e.ok === true) {
      // A crash loop or a stall ends when the daemon starts the agent again (decayed or cleared).
      if ((e.action === 'start' || e.action === 'restart') && typeof e.agent === 'string') {
        notifier.resolve(NOTIFY_KINDS.crashLoop, e.agent);
        notifier.resolve(NOTIFY_KINDS.noProgress, e.agent);
      }
      // A usage limit ends when the daemon wakes the agent after the reset (or starts it anew).
      if ((e.action === 'nudge' || e.action === 'start' || e.action === 'restart') && typeof e.agent === 'string') notifier.resolve(NOTIFY_KINDS.usageLimit, e.agent);
      // The daemon's alerts a person must hear of, whatever the mayor or a witness does with the mail.
      const kind = typeof e.subject === 'string' ? PERSON_MAIL.find((k) => (e.subject as string).startsWith(`${k.kind}:`)) : undefined;
      if (e.action === 'mail' && kind) {
        const subject = e.subject as string;
        const agent = subject.slice(kind.kind.length + 1).trim().split(/[\s:]/)[0] ?? '?';
        notifier.notify({
          kind: kind.kind,
          key: agent,
          title: subject,
          message: `${subject}\nmailed to ${String(e.to)}${kind.then ? `; ${kind.then(agent)}` : ''}`,
          severity: kind.severity,
          agent,
        });
      }
    } else if (e.type === 'tick_end') {
      // Questions asked while no daemon ran (or whose control call was lost) are caught here.
      notifyQuestions();
    }
  };
  let unsubscribe: (() => void) | undefined;

  const jobs = new JobScheduler({
    town: env.town,
    layout,
    log,
    gtArgv: (args) => [process.execPath, gtMainJs(), ...args],
    gate: () => closedGate(layout, env.estopHeld),
    emit: (e) => events.emit(e),
  });
  let daemonSettings: DaemonSettings | undefined;
  const loadJobs = (why: string): DaemonSettings | undefined => {
    try {
      return loadDaemonSettings(layout.daemonSettingsFile);
    } catch (e) {
      log.warn(`${why}: ${e instanceof ConfigError ? e.line : messageOf(e)}${daemonSettings ? '; kept the previous jobs' : '; no jobs scheduled'}`);
      return undefined;
    }
  };

  return {
    metrics,
    notifyQuestions,
    async start() {
      started = true;
      unsubscribe = events.subscribe(onEvent);
      if (notifier.sinks.length) log.info(`notify: ${notifier.sinks.join(' and ')} configured`);
      notifyQuestions();
      await applyMetricsListen();
      daemonSettings = loadJobs('jobs');
      if (daemonSettings) jobs.start(daemonSettings);
    },
    reload() {
      if (!started) return; // start() reads everything fresh anyway
      // Unsent notifications of the old notifier are dropped (logged); its episodes are not carried over.
      notifier.close();
      notifier = makeNotifier();
      void applyMetricsListen();
      const next = loadJobs('SIGHUP: settings/daemon.json');
      if (!next) return;
      daemonSettings = next;
      jobs.reload(next);
    },
    async stop() {
      unsubscribe?.();
      await jobs.stop();
      notifier.close();
      await metricsHttp.server?.close();
    },
  };
}

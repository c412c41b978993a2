import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { gtVersion } from '../fsx/package-root.js';
import { randomBytes } from 'node:crypto';
import { assertSocketPathFits } from '../control/socket-path.js';
import { loadSettings, type Settings } from '../config/settings.js';
import { ConfigError, GtError, messageOf } from '../errors.js';
import { tryLockExclusive } from '../fsx/flock.js';
import { readPidFile, removePidFileIfOwned, writePidFile } from '../fsx/pidfile.js';
import { startControlServer, InvalidParamsError, type ControlServer } from '../control/server.js';
import { EVENT_NOTIFICATION, NOTIFY, PING, RECONCILE, STATUS, SUBSCRIBE, TICK, type SubscribeResult } from '../control/protocol/messages/index.js';
import { notifyParamsSchema, subscribeParamsSchema, tickParamsSchema } from '../control/protocol/params.js';
import { Tmux, townSocketName } from '../tmux/index.js';
import { monotonicEpochClock } from './engine/clock.js';
import { Engine, type TickOptions, type TickReport } from './engine/engine.js';
import { handleReconcile } from './handlers/handle-reconcile.js';
import { ServerWatch } from './server-watch.js';
import { EventBus } from './events.js';
import { townLayout } from '../town/layout.js';
import { createFileLogger, type Logger } from './logger.js';
import { Ticker } from './ticker.js';
import { writeDaemonState, type DaemonState } from './state.js';
import { releaseParent, tellParent } from './ipc.js';
import { createServices } from './services.js';

export interface RunOptions {
  /** Echo log lines to stderr (when a person runs `gt daemon run` in a terminal). */
  echo?: boolean;
}

/**
 * The daemon process. Returns its exit status. Order matters: the lock is taken before anything
 * is written, so a loser changes nothing; the pid file and state come next, and the control
 * socket last, so "the socket answers" implies everything else is in place.
 */
export async function runDaemon(townRoot: string, opts: RunOptions = {}): Promise<number> {
  const layout = townLayout(townRoot);
  const early = globalThis as { __gtPendingUsr1?: boolean };

  // Signals that arrive before the loop exists are remembered and honoured once it does.
  const pending = { usr1: false, usr2: false, hup: false, term: '' as string };
  let onSignal: (sig: 'SIGUSR1' | 'SIGUSR2' | 'SIGHUP' | 'SIGTERM' | 'SIGINT') => void = (sig) => {
    if (sig === 'SIGUSR1') pending.usr1 = true;
    else if (sig === 'SIGUSR2') pending.usr2 = true;
    else if (sig === 'SIGHUP') pending.hup = true;
    else pending.term = sig;
  };
  process.removeAllListeners('SIGUSR1');
  for (const sig of ['SIGUSR1', 'SIGUSR2', 'SIGHUP', 'SIGTERM', 'SIGINT'] as const) process.on(sig, () => onSignal(sig));
  if (early.__gtPendingUsr1) pending.usr1 = true;

  try {
    // Before anything is written: Node would listen on a silently truncated path instead.
    assertSocketPathFits(layout.controlSocket);
  } catch (e) {
    const line = e instanceof GtError ? e.line : messageOf(e);
    tellParent({ type: 'failed', message: line });
    process.stderr.write(`gt: ${line}\n`);
    return 1;
  }
  mkdirSync(layout.daemonDir, { recursive: true });
  const lock = tryLockExclusive(layout.daemonLock);
  if (!lock) {
    const holder = readPidFile(layout.daemonPid);
    const msg = `daemon already running (pid ${holder?.pid ?? 'unknown'})`;
    tellParent({ type: 'already-running', pid: holder?.pid ?? null });
    process.stderr.write(`gt: ${msg}\n`);
    return 1;
  }

  const nonce = randomBytes(8).toString('hex');
  const me = { pid: process.pid, nonce };
  let settings: Settings;
  try {
    settings = loadSettings(layout.settingsFile);
  } catch (e) {
    const line = e instanceof GtError ? e.line : messageOf(e);
    // Logged with default limits: the configured ones are what failed to load.
    createFileLogger(layout.daemonLog, { maxBytes: 10 * 1024 * 1024, keep: 5 }).error(`cannot start: ${line}`);
    tellParent({ type: 'failed', message: line });
    process.stderr.write(`gt: ${line}\n`);
    lock.release();
    return 1;
  }

  writePidFile(layout.daemonPid, me);
  const log: Logger = createFileLogger(layout.daemonLog, {
    maxBytes: settings.daemon.log_max_size,
    keep: settings.daemon.log_keep,
    echo: opts.echo ? (l) => process.stderr.write(l) : undefined,
  });
  const startedAt = new Date();
  const state: DaemonState = {
    running: true,
    pid: process.pid,
    started_at: startedAt.toISOString(),
    stopped_at: null,
    tick_count: 0,
    last_tick: null,
    next_tick: null,
    last_tick_ms: null,
    recovery_interval_ms: settings.daemon.recovery_interval,
  };
  writeDaemonState(layout.daemonState, state);

  const events = new EventBus();
  const abort = new AbortController();
  let requestStop: (why: string) => void = (why) => (pending.term = why);
  const engine = new Engine({
    town: townRoot,
    layout,
    tmux: new Tmux(townSocketName(townRoot)),
    log,
    settings: () => settings,
    clock: monotonicEpochClock(),
    emit: (event) => events.emit(event),
  });
  // Options for the next tick (a reconcile from `gt up` releases agents stopped on purpose).
  let nextTickOptions: TickOptions = {};
  // Nothing fires when the tmux server itself dies: watch its process, and tick when it is gone.
  const serverWatch = new ServerWatch((pid) => {
    log.info(`tmux server pid ${pid} exited; reconciling now`);
    void ticker.request('tmux server exited');
  });
  const ticker: Ticker<TickReport | undefined> = new Ticker<TickReport | undefined>({
    intervalMs: settings.daemon.recovery_interval,
    signal: abort.signal,
    now: engine.now,
    onError: (e) => log.error(`tick failed: ${messageOf(e)}`),
    // state.json says when the daemon wakes next and why, as scheduled (not guessed after a tick).
    onSchedule: (next) => {
      state.next_tick = new Date(next.at).toISOString();
      state.next_tick_reason = next.reason;
      state.next_interval_tick = new Date(ticker.nextIntervalAt).toISOString();
      state.recovery_interval_ms = ticker.interval;
      writeDaemonState(layout.daemonState, state);
    },
    runTick: async (reasons) => {
      if (!existsSync(layout.townFile)) {
        // The town was deleted under us: nothing left to supervise, and no one could stop us.
        log.error(`town ${townRoot} is gone (no mayor/town.json); shutting down`);
        requestStop('town-removed');
        return { wake: null, value: undefined };
      }
      const tick = engine.stats.tickCount + 1;
      const opts = nextTickOptions;
      nextTickOptions = {};
      events.emit({ type: 'tick_start', tick, reasons });
      let report: TickReport;
      try {
        report = await engine.tick(reasons, opts);
      } finally {
        state.tick_count = engine.stats.tickCount;
        state.last_tick = engine.stats.lastTick;
        state.last_tick_ms = engine.stats.lastTickMs;
        state.last_tick_actions = engine.stats.lastTickActions;
        state.degraded = engine.degraded;
        events.emit({ type: 'tick_end', tick, ms: state.last_tick_ms, counts: state.last_tick_actions });
      }
      serverWatch.watch(engine.serverPid);
      return { wake: report.wake, value: report };
    },
  });

  const services = createServices({ town: townRoot, layout, log, events, settings: () => settings });
  let server: ControlServer;
  try {
    server = await startControlServer({
      path: layout.controlSocket,
      warn: (l) => log.warn(l),
      handlers: {
        ...services.handlers,
        [PING]: () => ({ pid: process.pid, nonce, town: townRoot, version: gtVersion() }),
        [STATUS]: () => ({
          ...state,
          running: true as const,
          nonce,
          town: townRoot,
          uptime_ms: Date.now() - startedAt.getTime(),
          log_path: layout.daemonLog,
        }),
        [NOTIFY]: (params) => {
          const p = notifyParamsSchema.safeParse(params);
          if (!p.success) throw new InvalidParamsError('notify takes {"event": string, "session"?: string, "pane"?: string}');
          // Events only trigger; the tick decides (it re-observes everything).
          log.debug(`fast path: ${p.data.event}${p.data.session ? ` ${p.data.session}` : ''}${p.data.pane ? ` ${p.data.pane}` : ''}`);
          events.emit({ type: 'notify', event: p.data.event, ...(p.data.session ? { session: p.data.session } : {}) });
          void ticker.request(`hook:${p.data.event}`);
          return { queued: true };
        },
        [SUBSCRIBE]: (params, _req, conn): SubscribeResult => {
          const p = subscribeParamsSchema.safeParse(params);
          if (!p.success) throw new InvalidParamsError('subscribe takes {"replay"?: number (0-1000)}');
          const send = conn.stream(() => unsubscribe());
          const unsubscribe = events.subscribe((e) => send(EVENT_NOTIFICATION, e), p.data?.replay ?? 0);
          return { subscribed: true, seq: events.lastSeq, pid: process.pid };
        },
        [RECONCILE]: handleReconcile({
          tick: (reason, o) => {
            if (o.releaseHeld) nextTickOptions = { ...nextTickOptions, releaseHeld: true };
            if (o.startedSince !== undefined) nextTickOptions = { ...nextTickOptions, startedSince: Math.min(o.startedSince, nextTickOptions.startedSince ?? Infinity) };
            return ticker.request(reason);
          },
        }),
        [TICK]: async (params) => {
          const p = tickParamsSchema.safeParse(params);
          if (!p.success) throw new InvalidParamsError('tick takes {"reason"?: string}');
          await ticker.request(`control${p.data?.reason ? `:${p.data.reason}` : ''}`);
          return { tick_count: state.tick_count, last_tick_ms: state.last_tick_ms ?? 0 };
        },
      },
    });
  } catch (e) {
    log.error(`cannot open control socket ${layout.controlSocket}: ${messageOf(e)}`);
    tellParent({ type: 'failed', message: `cannot open control socket: ${messageOf(e)}` });
    removePidFileIfOwned(layout.daemonPid, me);
    lock.release();
    return 1;
  }

  // A bug in one tick or one request must not take the supervisor of every agent down with it.
  process.on('uncaughtException', (e) => log.error(`uncaught exception (daemon keeps running): ${e.stack ?? messageOf(e)}`));
  process.on('unhandledRejection', (e) => log.error(`unhandled rejection (daemon keeps running): ${messageOf(e)}`));
  log.info(`daemon started (pid ${process.pid}, town ${townRoot}, recovery_interval ${settings.daemon.recovery_interval}ms)`);
  tellParent({ type: 'ready', pid: process.pid });
  releaseParent();

  const reload = () => {
    try {
      const next = loadSettings(layout.settingsFile);
      settings = next;
      log.setLimits(next.daemon.log_max_size, next.daemon.log_keep);
      // Rescheduling writes the state (the new interval and next wake) when no tick runs.
      ticker.setInterval(next.daemon.recovery_interval);
      log.info(`SIGHUP: settings reloaded (recovery_interval ${next.daemon.recovery_interval}ms)`);
    } catch (e) {
      log.warn(`SIGHUP: kept the previous settings: ${e instanceof ConfigError ? e.line : messageOf(e)}`);
    }
    services.reload();
  };

  const stopped = new Promise<string>((resolve) => {
    requestStop = resolve;
    onSignal = (sig) => {
      if (sig !== 'SIGTERM' && sig !== 'SIGINT') events.emit({ type: 'signal', signal: sig });
      if (sig === 'SIGUSR1') {
        log.info('SIGUSR1: tick requested');
        void ticker.request('SIGUSR1');
      } else if (sig === 'SIGUSR2') {
        log.info('SIGUSR2: restart state reload requested');
        void ticker.request('SIGUSR2');
      } else if (sig === 'SIGHUP') reload();
      else resolve(sig);
    };
    if (pending.term) resolve(pending.term);
  });
  if (pending.hup) reload();
  if (pending.usr1) log.info('SIGUSR1 received during start-up: tick requested');
  ticker.start();
  await services.start();

  const sig = await stopped;
  log.info(`${sig}: shutting down after the current tick`);
  abort.abort();
  serverWatch.stop();
  await Promise.all([ticker.idle(), services.stop()]);
  await server.close();
  state.running = false;
  state.stopped_at = new Date().toISOString();
  state.next_tick = null;
  state.next_tick_reason = null;
  state.next_interval_tick = null;
  try {
    writeDaemonState(layout.daemonState, state);
  } catch (e) {
    // The town may be gone (see the tick); shutting down matters more than the record.
    log.warn(`could not write the final state: ${messageOf(e)}`);
  }
  removePidFileIfOwned(layout.daemonPid, me);
  rmSync(layout.controlSocket, { force: true });
  log.info('daemon stopped');
  lock.release();
  return 0;
}

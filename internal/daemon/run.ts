import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { gtVersion } from '../fsx/package-root.js';
import { randomBytes } from 'node:crypto';
import { assertSocketPathFits } from '../control/socket-path.js';
import { loadSettings, type Settings } from '../config/settings.js';
import { ConfigError, GtError, describeWriteError, messageOf } from '../errors.js';
import { tryLockExclusive } from '../fsx/flock.js';
import { readPidFile, removePidFileIfOwned, writePidFile } from '../fsx/pidfile.js';
import { startControlServer, type ControlServer } from '../control/server.js';
import { HANDLERS, type ControlContext } from '../control/handlers/index.js';
import { EstopControl } from './estop.js';
import { Tmux, townSocketName } from '../tmux/index.js';
import { monotonicEpochClock } from './engine/clock.js';
import { Engine, type TickOptions, type TickReport } from './engine/engine.js';
import { ServerWatch } from './server-watch.js';
import { EventBus } from './events.js';
import { townLayout } from '../town/layout.js';
import { createFileLogger, formatLogLine, type Logger } from './logger.js';
import { Ticker } from './ticker.js';
import { writeDaemonState, type DaemonState } from './state.js';
import { releaseParent, tellParent } from './ipc.js';
import { createServices } from './services.js';
import { keeperWanted, spawnKeeper } from './keeper.js';
import { pidRunning } from '../fsx/proc.js';

/**
 * A line before the logger exists: a person at a terminal reads "gt: ..."; anywhere else (in
 * daemon.log, where `gt daemon start` sends the daemon's stderr) it is a log line with its time.
 */
function earlyLine(level: 'info' | 'error', msg: string): void {
  process.stderr.write(process.stderr.isTTY ? `gt: ${msg}\n` : formatLogLine(level, msg));
}

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
    earlyLine('error', line);
    return 1;
  }
  mkdirSync(layout.daemonDir, { recursive: true });
  const lock = tryLockExclusive(layout.daemonLock);
  if (!lock) {
    const holder = readPidFile(layout.daemonPid);
    const msg = `daemon already running (pid ${holder?.pid ?? 'unknown'})`;
    tellParent({ type: 'already-running', pid: holder?.pid ?? null });
    earlyLine('info', msg);
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
    // Not a second copy into daemon.log (start sends stderr there): only to a person's terminal.
    if (process.stderr.isTTY) earlyLine('error', line);
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

  // state.json is a record for people; a read-only or full disk must not stop the ticks. Said once
  // per episode; `gt daemon status` answers from memory meanwhile.
  let stateWriteFailed = false;
  const recordState = (): void => {
    try {
      writeDaemonState(layout.daemonState, state);
      stateWriteFailed = false;
    } catch (e) {
      if (!stateWriteFailed) log.warn(`could not write daemon/state.json: ${describeWriteError(e)} (gt daemon status answers from memory)`);
      stateWriteFailed = true;
    }
  };

  // The keeper starts the daemon again if this one dies without stopping (kill -9, OOM); kept
  // alive from every tick, ended by a clean stop.
  let keeperPid: number | undefined;
  const ensureKeeper = (): void => {
    if (!keeperWanted() || (keeperPid !== undefined && pidRunning(keeperPid))) return;
    try {
      keeperPid = spawnKeeper(layout);
    } catch (e) {
      log.warn(`could not start the keeper (nothing restarts the daemon if it dies): ${messageOf(e)}`);
    }
  };

  const events = new EventBus();
  const estop = new EstopControl(layout, log);
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
    estopHeld: () => estop.isHeld(),
  });
  // Options for the next tick (a reconcile from `gt up` releases agents stopped on purpose).
  let nextTickOptions: TickOptions = {};
  // Nothing fires when the tmux server itself dies: watch its process, and tick when it is gone.
  const serverWatch = new ServerWatch((pid) => {
    log.info(`tmux server pid ${pid} exited; reconciling now`);
    void ticker.request('tmux server exited');
  });
  // What a tick's waiters learn: its report, or why it failed (gt daemon tick exits 1 on that).
  type TickRun = { report: TickReport } | { failed: string };
  const ticker: Ticker<TickRun> = new Ticker<TickRun>({
    intervalMs: settings.daemon.recovery_interval,
    signal: abort.signal,
    now: engine.now,
    onError: (e) => {
      log.error(`tick failed: ${messageOf(e)}`);
      return { failed: messageOf(e) };
    },
    // state.json says when the daemon wakes next and why, as scheduled (not guessed after a tick).
    onSchedule: (next) => {
      state.next_tick = new Date(next.at).toISOString();
      state.next_tick_reason = next.reason;
      state.next_interval_tick = new Date(ticker.nextIntervalAt).toISOString();
      state.recovery_interval_ms = ticker.interval;
      recordState();
    },
    runTick: async (reasons) => {
      if (!existsSync(layout.townFile)) {
        // The town was deleted under us: nothing left to supervise, and no one could stop us.
        log.error(`town ${townRoot} is gone (no mayor/town.json); shutting down`);
        requestStop('town-removed');
        return { wake: null, value: { failed: `town ${townRoot} is gone (no mayor/town.json)` } };
      }
      ensureKeeper();
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
      return { wake: report.wake, value: { report } };
    },
  });

  const services = createServices({ town: townRoot, layout, log, events, settings: () => settings, estopHeld: estop.isHeld });
  // What control requests may see and do (one handle-<method>.ts each in internal/control/handlers).
  const control: ControlContext = {
    pid: process.pid,
    nonce,
    town: townRoot,
    version: gtVersion(),
    status: () => ({
      ...state,
      running: true as const,
      nonce,
      town: townRoot,
      uptime_ms: Date.now() - startedAt.getTime(),
      log_path: layout.daemonLog,
      estop_held: estop.heldInMemory,
    }),
    log,
    events,
    requestTick: async (reason) => {
      const run = await ticker.request(reason);
      const failed = !run ? 'the daemon is stopping' : 'failed' in run ? run.failed : run.report.skipped;
      return { tick_count: state.tick_count, last_tick_ms: state.last_tick_ms ?? 0, ...(failed ? { failed } : {}) };
    },
    reconcile: async (reason, o) => {
      if (o.releaseHeld) nextTickOptions = { ...nextTickOptions, releaseHeld: true };
      if (o.startedSince !== undefined) nextTickOptions = { ...nextTickOptions, startedSince: Math.min(o.startedSince, nextTickOptions.startedSince ?? Infinity) };
      const run = await ticker.request(reason);
      return run && 'report' in run ? { tick_count: run.report.tick, gated: run.report.gated, agents: run.report.agents } : undefined;
    },
    wake: (reason) => void ticker.request(reason),
    estop,
    metrics: services.metrics,
    notifyQuestions: services.notifyQuestions,
  };
  let server: ControlServer;
  try {
    server = await startControlServer({ path: layout.controlSocket, warn: (l) => log.warn(l), handlers: HANDLERS, context: control });
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
  estop.stop();
  // A read-only or full disk must not turn a clean stop into a crash: the lock, not these files,
  // says whether a daemon runs, and the next daemon replaces both.
  try {
    removePidFileIfOwned(layout.daemonPid, me);
  } catch (e) {
    log.warn(`could not remove daemon/daemon.pid: ${messageOf(e)} (harmless: the next daemon replaces it)`);
  }
  try {
    rmSync(layout.controlSocket, { force: true });
  } catch (e) {
    log.warn(`could not remove daemon/control.sock: ${messageOf(e)} (harmless: the next daemon replaces it)`);
  }
  // A clean stop: the keeper has nothing to restart (it also reads running: false, but that
  // record may not be writable on a sick disk).
  if (keeperPid !== undefined && pidRunning(keeperPid)) {
    try {
      process.kill(keeperPid, 'SIGTERM');
    } catch {
      // Gone meanwhile.
    }
  }
  log.info('daemon stopped');
  lock.release();
  return 0;
}

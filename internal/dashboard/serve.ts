import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { z } from 'zod';
import { createFileLogger } from '../daemon/logger.js';
import { releaseParent, tellParent } from '../daemon/ipc.js';
import { errnoCode, GtError, messageOf } from '../errors.js';
import { writeJsonAtomicSync } from '../fsx/atomic.js';
import { tryLockExclusive } from '../fsx/flock.js';
import { readPidFile, removePidFileIfOwned, writePidFile } from '../fsx/pidfile.js';
import { townLayout, type TownLayout } from '../town/layout.js';
import { ensureToken } from './auth.js';
import { baseUrl, type ListenAddress } from './listen.js';
import { startDashboardServer, type DashboardServer } from './server.js';

const LOG_MAX_BYTES = 1024 * 1024;
const LOG_KEEP = 2;

/** dashboard/state.json: where the running (or last) dashboard listens. Never holds the token. */
export const dashboardStateSchema = z
  .object({
    pid: z.number().int().positive(),
    host: z.string(),
    port: z.number().int().min(1).max(65535),
    url: z.string(),
    started_at: z.string(),
  })
  .loose();
export type DashboardState = z.output<typeof dashboardStateSchema>;

export interface ServeOptions {
  listen: ListenAddress;
  /** The port was not asked for explicitly: if it is taken, any free port will do. */
  portIsDefault: boolean;
  /** Also print log lines here (a terminal). */
  echo?: (line: string) => void;
  /** Called with the page's address once it is served. */
  onReady?: (url: string) => void;
}

/** The already-running dashboard's pid, if its pid file says. */
function holderPid(layout: TownLayout): number | null {
  try {
    return readPidFile(layout.dashboardPid)?.pid ?? null;
  } catch {
    return null;
  }
}

async function listenWithFallback(make: (port: number) => Promise<DashboardServer>, opts: ServeOptions): Promise<DashboardServer> {
  try {
    return await make(opts.listen.port);
  } catch (e) {
    if (errnoCode(e) === 'EADDRINUSE' && opts.portIsDefault && opts.listen.port !== 0) return make(0);
    if (errnoCode(e) === 'EADDRINUSE') throw new GtError('CONFLICT', `port ${opts.listen.port} on ${opts.listen.host} is in use`, { hint: 'pick another with --port N (or --port 0 for any free one)' });
    if (errnoCode(e) === 'EADDRNOTAVAIL') throw new GtError('INVALID_INPUT', `${opts.listen.host} is not an address of this machine`, { hint: 'use --listen with one of its addresses' });
    throw e;
  }
}

/**
 * `gt dashboard --foreground` (what `gt dashboard` starts detached): hold dashboard/dashboard.lock,
 * serve until TERM/INT or until the town is removed. Exit 0 after a clean stop.
 */
export async function serveDashboard(town: string, opts: ServeOptions): Promise<number> {
  const layout = townLayout(town);
  mkdirSync(layout.dashboardDir, { recursive: true, mode: 0o700 });
  const lock = tryLockExclusive(layout.dashboardLock);
  if (!lock) {
    const pid = holderPid(layout);
    tellParent({ type: 'already-running', pid });
    throw new GtError('CONFLICT', `dashboard already running${pid ? ` (pid ${pid})` : ''}`, { hint: "'gt dashboard' prints its address; 'gt dashboard --stop' ends it" });
  }
  const logger = createFileLogger(layout.dashboardLog, { maxBytes: LOG_MAX_BYTES, keep: LOG_KEEP, echo: opts.echo });
  const log = (line: string) => {
    try {
      logger.info(line);
    } catch {
      // The town (and its log) may have been removed under us; that is reported by onTownGone.
    }
  };
  const identity = { pid: process.pid, nonce: randomBytes(8).toString('hex') };

  let stopping: ((code: number) => void) | undefined;
  const stopped = new Promise<number>((r) => (stopping = r));
  let server: DashboardServer;
  try {
    const token = ensureToken(layout);
    server = await listenWithFallback(
      (port) =>
        startDashboardServer({
          town,
          host: opts.listen.host,
          port,
          token,
          identity,
          log,
          onTownGone: () => {
            log('the town was removed; stopping');
            stopping?.(0);
          },
        }),
      opts,
    );
    writePidFile(layout.dashboardPid, identity);
    const state: DashboardState = { pid: process.pid, host: opts.listen.host, port: server.port, url: baseUrl(opts.listen.host, server.port), started_at: new Date().toISOString() };
    writeJsonAtomicSync(layout.dashboardState, state);
    log(`dashboard listening on ${state.url} (pid ${process.pid})`);
    opts.onReady?.(state.url);
  } catch (e) {
    tellParent({ type: 'failed', message: e instanceof GtError ? e.line : messageOf(e) });
    lock.release();
    throw e;
  }
  tellParent({ type: 'ready', pid: process.pid });
  releaseParent();

  const onSignal = (sig: NodeJS.Signals) => {
    log(`${sig}: stopping`);
    stopping?.(0);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('SIGHUP', () => log('SIGHUP ignored (the dashboard has no settings to reload)'));

  const code = await stopped;
  await server.close().catch((e) => log(`close: ${messageOf(e)}`));
  try {
    removePidFileIfOwned(layout.dashboardPid, identity);
  } catch {
    // The town may be gone with its files.
  }
  lock.release();
  log('dashboard stopped');
  return code;
}

import { mkdirSync } from 'node:fs';
import { request } from 'node:http';
import { readJsonFile } from '../config/load.js';
import { whyNotDashboard } from '../daemon/identity.js';
import { spawnDetachedGt } from '../daemon/start.js';
import { GtError } from '../errors.js';
import { readPidFile, removePidFileIfOwned, type PidRecord } from '../fsx/pidfile.js';
import { flockHolders, processStartTime, processState } from '../fsx/proc.js';
import type { TownLayout } from '../town/layout.js';
import { readToken } from './auth.js';
import type { ListenRequest } from './listen.js';
import { dashboardStateSchema, type DashboardState } from './serve.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export type DashboardProbe =
  | { running: true; pid: number; host: string; port: number; url: string; answering: boolean }
  | { running: false; reason: string };

/** dashboard/state.json, or undefined when missing or not valid. */
export function readDashboardState(layout: TownLayout): DashboardState | undefined {
  try {
    return readJsonFile(layout.dashboardState, dashboardStateSchema, { kind: 'state', label: 'dashboard/state.json' });
  } catch {
    return undefined;
  }
}

/** The port the town's dashboard used last: a restarted server takes it again, so open pages find it. */
export function previousPort(layout: TownLayout): number | undefined {
  return readDashboardState(layout)?.port;
}

function ping(url: string, token: string, timeoutMs: number): Promise<{ pid: number; nonce: string } | undefined> {
  return new Promise((resolve) => {
    const req = request(new URL('api/ping', url), { headers: { authorization: `Bearer ${token}` }, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c.length < 4096 ? c : ''));
      res.on('end', () => {
        try {
          const j = JSON.parse(body) as { pid?: unknown; nonce?: unknown };
          resolve(res.statusCode === 200 && typeof j.pid === 'number' && typeof j.nonce === 'string' ? { pid: j.pid, nonce: j.nonce } : undefined);
        } catch {
          resolve(undefined);
        }
      });
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

/**
 * Is the town's dashboard running, and where? The lock says whether one runs (only a serving
 * dashboard holds dashboard/dashboard.lock); the pid file and state must name the same process;
 * a ping with the token says whether it answers (and that it is the one the pid file names).
 */
export async function probeDashboard(layout: TownLayout, timeoutMs = 2_000): Promise<DashboardProbe> {
  const holders = flockHolders(layout.dashboardLock);
  if (holders.length === 0) return { running: false, reason: 'no dashboard holds dashboard/dashboard.lock' };
  const rec = readPidFile(layout.dashboardPid);
  const state = readDashboardState(layout);
  if (!rec || !state || rec.pid !== holders[0] || state.pid !== rec.pid) {
    return { running: false, reason: `pid ${holders[0]} holds dashboard/dashboard.lock but has not finished starting` };
  }
  const token = readToken(layout);
  const answer = token ? await ping(state.url, token, timeoutMs) : undefined;
  return { running: true, pid: rec.pid, host: state.host, port: state.port, url: state.url, answering: answer?.pid === rec.pid && answer.nonce === rec.nonce };
}

export interface EnsureResult {
  started: boolean;
  pid: number;
  host: string;
  port: number;
  url: string;
}

/**
 * `gt dashboard`: the running dashboard, or a new one started detached (`gt dashboard
 * --foreground` with the same flags) once it answers. A running one on another address than the
 * flags ask for is not silently kept: that is an error naming both.
 */
export async function ensureDashboard(layout: TownLayout, req: ListenRequest, timeoutMs = 15_000): Promise<EnsureResult> {
  const cur = await probeDashboard(layout);
  if (cur.running) {
    const wantHost = req.listen?.replace(/^\[(.*)\]$/, '$1');
    const differs = (wantHost !== undefined && wantHost !== cur.host) || (req.port !== undefined && Number(req.port) !== 0 && Number(req.port) !== cur.port);
    if (differs) {
      throw new GtError('CONFLICT', `the dashboard already runs at ${cur.url} (pid ${cur.pid})`, { hint: "stop it first with 'gt dashboard --stop' to serve it elsewhere" });
    }
    return { started: false, pid: cur.pid, host: cur.host, port: cur.port, url: cur.url };
  }

  mkdirSync(layout.dashboardDir, { recursive: true, mode: 0o700 });
  const flags = [
    ...(req.listen !== undefined ? ['--listen', req.listen] : []),
    ...(req.port !== undefined ? ['--port', req.port] : []),
    ...(req.allowRemote ? ['--allow-remote'] : []),
  ];
  const child = spawnDetachedGt(layout.root, ['dashboard', '--foreground', ...flags], layout.dashboardLog);
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      const message = child.message();
      const exited = child.exited();
      if (message?.type === 'failed') throw new GtError('IO', `dashboard failed to start: ${message.message}`);
      if (message?.type === 'ready' || message?.type === 'already-running') {
        const p = await probeDashboard(layout);
        if (p.running) return { started: message.type === 'ready' && p.pid === child.pid, pid: p.pid, host: p.host, port: p.port, url: p.url };
      }
      if (exited && !message) throw new GtError('IO', `dashboard failed to start (exited with ${exited.signal ?? `code ${exited.code}`})`, { hint: `see ${layout.dashboardLog}` });
      if (Date.now() >= deadline) throw new GtError('IO', `dashboard did not start within ${timeoutMs}ms`, { hint: `see ${layout.dashboardLog}` });
      await sleep(25);
    }
  } finally {
    child.release();
  }
}

/** Same pid and same start time, and not a zombie: still the process we found. */
function sameProcessAlive(pid: number, startTime: number): boolean {
  if (processStartTime(pid) !== startTime) return false;
  const st = processState(pid);
  return st !== undefined && st !== 'Z' && st !== 'X';
}

export interface DashboardStopResult {
  stopped: boolean;
  pid: number | null;
  /** It outlived SIGTERM by the grace time and was killed. */
  forced: boolean;
  /** Why a process that looked like the dashboard was left alone (not the town's dashboard). */
  note?: string;
}

/**
 * The process to stop: the one that holds dashboard/dashboard.lock, that dashboard/dashboard.pid
 * names, and that is this town's dashboard by its command line and start time (whyNotDashboard).
 * Neither the lock (any process can flock the file) nor the pid file (a stale file's pid is
 * recycled) is proof alone. A holder the pid file does not name yet that is a gt dashboard of
 * this town by its command line is still starting: it gets `settleMs` to write its pid file.
 */
async function verifiedDashboard(layout: TownLayout, settleMs: number): Promise<{ pid: number; startTime: number; rec: PidRecord } | { note?: string }> {
  const until = Date.now() + settleMs;
  for (;;) {
    const holders = flockHolders(layout.dashboardLock);
    // Nothing serves. A pid file left by a killed dashboard names nobody we may signal.
    if (holders.length === 0) return {};
    const rec = readPidFile(layout.dashboardPid);
    if (rec && holders.length === 1 && rec.pid === holders[0]) {
      const notDashboard = whyNotDashboard(rec.pid, layout);
      if (notDashboard) return { note: `dashboard/dashboard.lock is held by ${notDashboard}; left alone` };
      const startTime = processStartTime(rec.pid);
      return startTime === undefined ? {} : { pid: rec.pid, startTime, rec };
    }
    // Not named by the pid file: a dashboard still starting, or a stranger that flocked the file
    // (left alone at once, not waited for).
    const stranger = holders.map((h) => whyNotDashboard(h, layout, { pidFileWritten: false })).find((why) => why !== undefined);
    if (stranger) return { note: `dashboard/dashboard.lock is held by ${stranger}; left alone` };
    if (Date.now() >= until) {
      throw new GtError('CONFLICT', `pid ${holders.join(', ')} holds dashboard/dashboard.lock but dashboard/dashboard.pid does not name it`, { hint: 'it may still be starting; try again in a moment' });
    }
    await sleep(50);
  }
}

/**
 * Stop the town's dashboard (`gt dashboard --stop`, and `gt down`): TERM to the verified
 * dashboard process, KILL after `graceMs`. Anything else is left alone, with a note when
 * something held the dashboard's lock. Pages it served show "reconnecting" and come back by
 * themselves when a dashboard serves the same port again.
 */
export async function stopDashboard(layout: TownLayout, graceMs = 5_000, settleMs = 3_000): Promise<DashboardStopResult> {
  const found = await verifiedDashboard(layout, settleMs);
  if (!('pid' in found)) return { stopped: false, pid: null, forced: false, ...found };
  const { pid, startTime, rec } = found;
  process.kill(pid, 'SIGTERM');
  let deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!sameProcessAlive(pid, startTime)) return { stopped: true, pid, forced: false };
    await sleep(50);
  }
  if (sameProcessAlive(pid, startTime)) process.kill(pid, 'SIGKILL');
  deadline = Date.now() + 5_000;
  while (sameProcessAlive(pid, startTime)) {
    if (Date.now() > deadline) throw new GtError('IO', `the dashboard (pid ${pid}) survived SIGKILL`);
    await sleep(50);
  }
  try {
    // Killed, it could not remove its own pid file; the lock already says nothing serves.
    removePidFileIfOwned(layout.dashboardPid, rec);
  } catch {
    // A read-only or full disk: the next dashboard replaces the file.
  }
  return { stopped: true, pid, forced: true };
}

/** The URL a person opens: the dashboard's address with the token (the page then keeps it in a cookie). */
export function openUrl(url: string, token: string): string {
  return `${url}?token=${encodeURIComponent(token)}`;
}

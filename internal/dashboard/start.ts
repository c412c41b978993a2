import { mkdirSync } from 'node:fs';
import { request } from 'node:http';
import { readJsonFile } from '../config/load.js';
import { spawnDetachedGt } from '../daemon/start.js';
import { GtError } from '../errors.js';
import { readPidFile } from '../fsx/pidfile.js';
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

/**
 * Stop the town's dashboard: TERM to the process that holds dashboard/dashboard.lock (and that
 * the pid file names), KILL after `graceMs`. Pages it served show "reconnecting" and come back
 * by themselves when a dashboard serves the same port again.
 */
export async function stopDashboard(layout: TownLayout, graceMs = 5_000): Promise<{ stopped: boolean; pid: number | null; forced: boolean }> {
  const holders = flockHolders(layout.dashboardLock);
  if (holders.length === 0) return { stopped: false, pid: null, forced: false };
  const rec = readPidFile(layout.dashboardPid);
  const pid = holders[0]!;
  if (!rec || rec.pid !== pid) throw new GtError('CONFLICT', `pid ${pid} holds dashboard/dashboard.lock but dashboard/dashboard.pid does not name it`, { hint: 'it may still be starting; try again in a moment' });
  const startTime = processStartTime(pid);
  if (startTime === undefined) return { stopped: false, pid: null, forced: false };
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!sameProcessAlive(pid, startTime)) return { stopped: true, pid, forced: false };
    await sleep(50);
  }
  if (sameProcessAlive(pid, startTime)) process.kill(pid, 'SIGKILL');
  return { stopped: true, pid, forced: true };
}

/** The URL a person opens: the dashboard's address with the token (the page then keeps it in a cookie). */
export function openUrl(url: string, token: string): string {
  return `${url}?token=${encodeURIComponent(token)}`;
}

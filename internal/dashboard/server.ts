import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { eventText } from '../control/event-text.js';
import { messageOf } from '../errors.js';
import { townLayout } from '../town/layout.js';
import { sameOrigin } from './auth.js';
import { DaemonFeed } from './daemon-feed.js';
import { LiveHub, MAX_LIVE_CLIENTS } from './live.js';
import { authorized, handleRequest, type RouteContext } from './routes.js';
import { loadStaticFiles } from './static-files.js';
import { MAX_TERMINALS, TerminalBridge } from './terminal-bridge.js';
import { agentTerminal } from './terminal-target.js';
import { TownWatcher } from './town-watch.js';
import { nextLapse, readSnapshot } from './views.js';

/** Largest message a page may send on a WebSocket (keys, a resize). */
const MAX_WS_PAYLOAD = 128 * 1024;

export interface DashboardServerOptions {
  town: string;
  host: string;
  port: number;
  token: string;
  identity: { pid: number; nonce: string };
  log(line: string): void;
  /** The town was removed: the server has nothing left to show. */
  onTownGone(): void;
}

export interface DashboardServer {
  readonly port: number;
  readonly http: Server;
  close(): Promise<void>;
}

function refuseUpgrade(socket: Duplex, status: string): void {
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/**
 * The dashboard: the page and its assets, the read API, actions, `/ws/live` (snapshot, then
 * daemon events and fresh snapshots) and `/ws/term` (a terminal into an agent's session). Every
 * request and upgrade needs the town's token.
 */
export async function startDashboardServer(opts: DashboardServerOptions): Promise<DashboardServer> {
  const layout = townLayout(opts.town);
  const files = loadStaticFiles();
  let hub!: LiveHub;
  const feed = new DaemonFeed(layout.controlSocket, {
    // The feed line is worded once, here, as `gt feed` words it.
    onEvent: (e) => hub.event({ ...e, text: eventText(e) }),
    onStatus: (s) => {
      opts.log(s.running ? `following the daemon (pid ${s.pid})` : `daemon not followed: ${s.reason}`);
      hub.changed();
    },
  });
  hub = new LiveHub((daemon) => readSnapshot(opts.town, daemon), () => feed.status, opts.log, nextLapse);
  const watcher = new TownWatcher(
    layout,
    () => {
      feed.poke();
      watcher.rearm();
      hub.changed();
    },
    opts.onTownGone,
  );
  const terminals = new Set<TerminalBridge>();

  let port = opts.port;
  const ctx: RouteContext = {
    town: opts.town,
    get port() {
      return port;
    },
    token: opts.token,
    files,
    identity: opts.identity,
    snapshot: () => readSnapshot(opts.town, feed.status),
    changed: () => hub.changed(),
    log: opts.log,
  };

  const http = createServer((req, res) => {
    handleRequest(ctx, req, res).catch((e) => {
      opts.log(`request ${req.method} ${req.url?.split('?')[0]} failed: ${messageOf(e)}`);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('internal error\n');
    });
  });
  // Slow or idle clients do not hold sockets for ever.
  http.headersTimeout = 10_000;
  http.requestTimeout = 30_000;
  http.maxConnections = 128;

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WS_PAYLOAD });
  http.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://dashboard.invalid');
    if (!authorized(req, url, ctx)) return refuseUpgrade(socket, '401 Unauthorized');
    if (!sameOrigin(req)) return refuseUpgrade(socket, '403 Forbidden');
    if (url.pathname === '/ws/live') {
      if (hub.size >= MAX_LIVE_CLIENTS) return refuseUpgrade(socket, '503 Service Unavailable');
      return wss.handleUpgrade(req, socket, head, (ws) => hub.add(ws));
    }
    if (url.pathname === '/ws/term') {
      const agent = url.searchParams.get('agent');
      if (!agent || agent.length > 200) return refuseUpgrade(socket, '400 Bad Request');
      if (terminals.size >= MAX_TERMINALS) return refuseUpgrade(socket, '503 Service Unavailable');
      return wss.handleUpgrade(req, socket, head, (ws) => {
        const t = new TerminalBridge(ws, opts.log);
        terminals.add(t);
        ws.on('close', () => terminals.delete(t));
        void t.open(() => agentTerminal(opts.town, agent));
      });
    }
    refuseUpgrade(socket, '404 Not Found');
  });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port, opts.host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  port = (http.address() as AddressInfo).port;
  feed.start();
  watcher.start();

  return {
    get port() {
      return port;
    },
    http,
    async close() {
      watcher.stop();
      feed.stop();
      for (const t of terminals) t.close();
      hub.closeAll(1001, 'dashboard stopping');
      for (const ws of wss.clients) ws.terminate();
      // Idle keep-alive connections would hold close() open until they time out.
      const closed = new Promise<void>((r) => http.close(() => r()));
      http.closeAllConnections();
      await closed;
    },
  };
}

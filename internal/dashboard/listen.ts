import { isIP } from 'node:net';
import { UsageError } from '../errors.js';

/** Where the dashboard listens. Loopback unless a person said otherwise twice (--listen and --allow-remote). */
export interface ListenAddress {
  host: string;
  /** 0: let the system pick a free port. */
  port: number;
  loopback: boolean;
}

export const DEFAULT_HOST = '127.0.0.1';

export interface ListenRequest {
  listen?: string;
  port?: string;
  allowRemote?: boolean;
}

/** True for 127.0.0.0/8, ::1 (also as ::ffff:127.x) and the name localhost. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || /^::ffff:127\./.test(h) || /^0{0,4}(:0{0,4}){6}:0{0,3}1$/.test(h);
  return false;
}

function parsePort(raw: string): number {
  if (!/^\d{1,5}$/.test(raw) || Number(raw) > 65535) throw new UsageError(`--port ${JSON.stringify(raw)}: expected a port number (1-65535, or 0 for any free port)`);
  return Number(raw);
}

/**
 * The address to listen on, from the flags. A non-loopback address without --allow-remote is
 * refused: the dashboard can type into agents, so reaching it from the network must be a choice
 * made on purpose. `previousPort` (the port the town's dashboard used last) keeps a restarted
 * server where open pages look for it.
 */
export function chooseListen(req: ListenRequest, previousPort?: number): ListenAddress {
  const host = (req.listen ?? DEFAULT_HOST).trim().replace(/^\[(.*)\]$/, '$1');
  if (host !== 'localhost' && isIP(host) === 0) {
    throw new UsageError(`--listen ${JSON.stringify(req.listen)}: expected an IP address such as 127.0.0.1 or ::1 (or localhost)`);
  }
  const loopback = isLoopback(host);
  if (!loopback && !req.allowRemote) {
    throw new UsageError(
      `refusing to listen on ${host}: not a loopback address, so anyone who can reach it could try the dashboard (which can type into your agents)`,
      'pass --allow-remote as well if you really mean it, or use an SSH tunnel to 127.0.0.1',
    );
  }
  const port = req.port !== undefined ? parsePort(req.port) : (previousPort ?? 0);
  return { host, port, loopback };
}

/** The warning printed when the dashboard is reachable from beyond this machine. */
export function remoteWarning(addr: ListenAddress): string | undefined {
  if (addr.loopback) return undefined;
  return `warning: the dashboard listens on ${addr.host}, not on loopback: anyone who can reach that address and has the token can watch and type into your agents, and plain HTTP sends the token unencrypted`;
}

/** http://host:port/ with IPv6 hosts bracketed. */
export function baseUrl(host: string, port: number): string {
  const h = host === '0.0.0.0' ? DEFAULT_HOST : host === '::' ? '[::1]' : isIP(host) === 6 ? `[${host}]` : host;
  return `http://${h}:${port}/`;
}

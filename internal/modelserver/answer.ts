import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { ToolCall } from './tools.js';

/** What one model response carries, whichever API it goes out through. */
export interface Answer {
  /** Assistant text (before the tool call when there is one). */
  text?: string;
  /** One tool call; the turn goes on after the CLI runs it. */
  tool?: ToolCall;
}

export const randomId = (prefix: string): string => `${prefix}${randomBytes(12).toString('hex')}`;

/** Rough token count for usage fields: CLIs show it, nothing depends on it. */
export const tokens = (s: string): number => Math.max(1, Math.ceil(s.length / 4));

export function startSse(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
}

export function sseEvent(res: ServerResponse, event: string, data: unknown): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

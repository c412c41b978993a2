import { appendFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { messageOf } from '../errors.js';
import { sendJson, type Answer } from './answer.js';
import { anthropicErrorBody, startAnthropicStream, writeAnthropicAnswer, writeAnthropicTokenCount } from './anthropic-messages.js';
import { responsesErrorBody, startResponsesStream, writeResponsesAnswer } from './openai-responses.js';
import { geminiErrorBody, parseGeminiRequest, startGeminiStream, writeGeminiAnswer, writeGeminiTokenCount } from './gemini-generate-content.js';
import { parseAnthropicRequest, parseResponsesRequest, sampleForSchema, type ModelRequest } from './request.js';
import { parseScript, unrollSteps, type Script, type ScriptInput, type ScriptStep } from './script.js';
import { cwdFromText, ScriptToolError, stepToolCall } from './tools.js';

/** One wire API: how its requests read and its answers, errors and broken streams are written. */
interface Protocol {
  api: ModelRequest['api'];
  parse(body: Record<string, unknown>): ModelRequest;
  write(res: ServerResponse, req: ModelRequest, answer: Answer): void;
  errorBody(status: number, message: string, type?: string): unknown;
  startStream(res: ServerResponse, req: ModelRequest): void;
}

const ANTHROPIC: Protocol = { api: 'anthropic-messages', parse: parseAnthropicRequest, write: writeAnthropicAnswer, errorBody: anthropicErrorBody, startStream: startAnthropicStream };
const RESPONSES: Protocol = { api: 'openai-responses', parse: parseResponsesRequest, write: writeResponsesAnswer, errorBody: responsesErrorBody, startStream: startResponsesStream };
const gemini = (model: string, stream: boolean): Protocol => ({
  api: 'gemini-generate-content',
  parse: (b) => parseGeminiRequest(b, model, stream),
  write: writeGeminiAnswer,
  errorBody: geminiErrorBody,
  startStream: startGeminiStream,
});

/**
 * The scripted model server: a loopback HTTP server that answers the Anthropic Messages API,
 * the OpenAI Responses API and the Gemini API from a script, so the real agent CLIs run whole turns with no model.
 * Every request is logged (in memory, bounded, and to a JSONL file when asked).
 *
 * Routing: a request under `/a/<agent>/...` goes to that agent's steps; any other request goes to
 * the first agent whose `match` is found in the request's text (an agent without `match` takes
 * whatever is left). Requests with no tools are the CLI's side questions (titles, summaries):
 * answered at once and never counted as a step.
 */

export const MAX_BODY_BYTES = 32 * 1024 * 1024;
const MAX_LOG_ENTRIES = 2_000;
const MAX_CONNECTIONS = 128;
const DEFAULT_HOLD_TIMEOUT_MS = 10 * 60_000;

export interface ModelServerOptions {
  script: Script | ScriptInput;
  /** TCP port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** Append every request's log entry to this JSONL file. */
  logFile?: string;
  /** Called with each log entry (the CLI prints them). */
  onRequest?: (entry: RequestLogEntry) => void;
}

export interface RequestLogEntry {
  seq: number;
  at: string;
  method: string;
  path: string;
  api?: ModelRequest['api'];
  agent?: string;
  /** The step answered (0-based), when one was used. */
  step?: number;
  /** What was answered: text, tool:<name>, error:<status>, drop, side, exhausted, expect-failed, ... */
  answer: string;
  status?: number;
  model?: string;
  /** The last user prompt in the request (shortened). */
  prompt?: string;
  /** Outputs of the tool calls answered in this request (each shortened). */
  tool_results?: string[];
  /** Why the request failed or went unanswered. */
  error?: string;
}

export interface ModelServer {
  /** http://127.0.0.1:PORT */
  url: string;
  port: number;
  /** Base URL for one agent's requests (`/a/<agent>`), for CLIs given a base URL per agent. */
  agentUrl(agent: string): string;
  /** Let a held step answer (or pre-release a hold not reached yet). */
  release(hold: string): void;
  /** Every request so far (at most the last 2000). */
  requests(): RequestLogEntry[];
  /** How many steps each agent has used. */
  progress(): Record<string, number>;
  close(): Promise<void>;
}

interface AgentState {
  name: string;
  match?: RegExp;
  steps: ScriptStep[];
  then: 'idle' | 'error';
  next: number;
}

class Holds {
  private released = new Set<string>();
  private waiters = new Map<string, Set<() => void>>();
  release(name: string): void {
    this.released.add(name);
    for (const w of this.waiters.get(name) ?? []) w();
    this.waiters.delete(name);
  }
  /** Resolves true when released, false on timeout or abort. */
  wait(name: string, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
    if (this.released.has(name)) return Promise.resolve(true);
    return new Promise((done) => {
      const set = this.waiters.get(name) ?? new Set();
      this.waiters.set(name, set);
      const finish = (v: boolean) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        set.delete(wake);
        done(v);
      };
      const wake = () => finish(true);
      const onAbort = () => finish(false);
      const timer = setTimeout(() => finish(false), timeoutMs);
      set.add(wake);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((done) => {
    if (signal.aborted) return done(false);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      done(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      done(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

const short = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n)}…` : s);

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((done, fail) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        fail(Object.assign(new Error(`request body over ${MAX_BODY_BYTES} bytes`), { status: 413 }));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => done(Buffer.concat(chunks).toString('utf8')));
    req.on('error', fail);
  });
}

export async function startModelServer(opts: ModelServerOptions): Promise<ModelServer> {
  const script = Array.isArray(opts.script) ? (opts.script as Script) : parseScript(opts.script);
  const agents: AgentState[] = script.map((a) => ({
    name: a.name,
    ...(a.match ? { match: new RegExp(a.match) } : {}),
    steps: unrollSteps(a.steps),
    then: a.then,
    next: 0,
  }));
  const holds = new Holds();
  const log: RequestLogEntry[] = [];
  let seq = 0;
  const record = (e: Omit<RequestLogEntry, 'seq' | 'at'>): void => {
    const entry: RequestLogEntry = { seq: ++seq, at: new Date().toISOString(), ...e };
    log.push(entry);
    if (log.length > MAX_LOG_ENTRIES) log.splice(0, log.length - MAX_LOG_ENTRIES);
    if (opts.logFile) {
      try {
        appendFileSync(opts.logFile, `${JSON.stringify(entry)}\n`);
      } catch {
        // A log file that cannot be written must not fail the agent's request; the in-memory log has it.
      }
    }
    opts.onRequest?.(entry);
  };

  const pickAgent = (prefix: string | undefined, req: ModelRequest): AgentState | string => {
    if (prefix !== undefined) return agents.find((a) => a.name === prefix) ?? `no agent ${JSON.stringify(prefix)} in the script`;
    return agents.find((a) => !a.match || a.match.test(req.text)) ?? 'no agent in the script matches this request';
  };

  const handleModel = async (proto: Protocol, prefix: string | undefined, httpReq: IncomingMessage, res: ServerResponse, path: string, signal: AbortSignal): Promise<void> => {
    const api = proto.api;
    let body: Record<string, unknown>;
    try {
      const parsed = JSON.parse(await readBody(httpReq)) as unknown;
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('expected a JSON object');
      body = parsed as Record<string, unknown>;
    } catch (e) {
      const status = (e as { status?: number }).status ?? 400;
      const message = `bad request body: ${messageOf(e)}`;
      record({ method: 'POST', path, api, answer: `error:${status}`, status, error: message });
      if (!res.headersSent && !res.destroyed) sendJson(res, status, proto.errorBody(status, message));
      return;
    }
    const req = proto.parse(body);
    const base = { method: 'POST', path, api, model: req.model, prompt: short(req.lastUser, 300), ...(req.toolResults.length ? { tool_results: req.toolResults.map((t) => short(t, 2000)) } : {}) };
    const errorBody = proto.errorBody;
    const answer = (a: Answer) => proto.write(res, req, a);

    const agent = pickAgent(prefix, req);
    if (req.side) {
      // The CLI's own side questions never use a step and never fail: they are not the agent's turn.
      record({ ...base, ...(typeof agent === 'string' ? {} : { agent: agent.name }), answer: 'side', status: 200 });
      answer({ text: req.jsonSchema ? JSON.stringify(sampleForSchema(req.jsonSchema)) : 'Scripted.' });
      return;
    }
    if (typeof agent === 'string') {
      record({ ...base, answer: 'error:404', status: 404, error: agent });
      sendJson(res, 404, errorBody(404, `scripted model: ${agent}`));
      return;
    }
    const index = agent.next;
    const step = agent.steps[index];
    if (!step) {
      if (agent.then === 'error') {
        record({ ...base, agent: agent.name, answer: 'exhausted:error:500', status: 500, error: 'script exhausted' });
        sendJson(res, 500, errorBody(500, 'scripted model: the script has no more steps'));
      } else {
        record({ ...base, agent: agent.name, answer: 'exhausted:text', status: 200 });
        answer({ text: 'Nothing more to do.' });
      }
      return;
    }
    agent.next++;
    const entry = { ...base, agent: agent.name, step: index };
    if (step.expect && !new RegExp(step.expect).test(req.text)) {
      const message = `scripted model: step ${index} of agent ${agent.name} expected /${step.expect}/ in the request`;
      record({ ...entry, answer: 'expect-failed', status: 400, error: message });
      sendJson(res, 400, errorBody(400, message));
      return;
    }
    // A held request is logged when it arrives (the turn is "working" from then on), and again when answered.
    if (step.hold !== undefined) record({ ...entry, answer: `held:${step.hold}` });
    if (step.hold !== undefined && !(await holds.wait(step.hold, step.hold_timeout ?? DEFAULT_HOLD_TIMEOUT_MS, signal)) && signal.aborted) {
      record({ ...entry, answer: 'client-gone', error: `the client closed the connection during hold ${step.hold}` });
      return;
    }
    if (step.delay !== undefined && !(await sleep(step.delay, signal))) {
      record({ ...entry, answer: 'client-gone', error: 'the client closed the connection during the delay' });
      return;
    }
    if (step.drop === 'before-headers') {
      record({ ...entry, answer: 'drop:before-headers' });
      res.socket?.destroy();
      return;
    }
    if (step.drop === 'mid-stream') {
      record({ ...entry, answer: 'drop:mid-stream', status: 200 });
      proto.startStream(res, req);
      setTimeout(() => res.socket?.destroy(), 50);
      return;
    }
    if (step.error) {
      const e = step.error;
      const message = e.message ?? (e.status === 429 ? 'rate limit reached' : `scripted error ${e.status}`);
      record({ ...entry, answer: `error:${e.status}`, status: e.status });
      sendJson(res, e.status, e.body ?? errorBody(e.status, message, e.type), e.headers ?? {});
      return;
    }
    let tool;
    try {
      tool = stepToolCall(step, req.tools, cwdFromText(req.text));
    } catch (err) {
      if (!(err instanceof ScriptToolError)) throw err;
      record({ ...entry, answer: 'error:400', status: 400, error: err.message });
      sendJson(res, 400, errorBody(400, `scripted model: ${err.message}`));
      return;
    }
    record({ ...entry, answer: tool ? `tool:${tool.name}` : 'text', status: 200 });
    answer(tool ? { ...(step.say ? { text: step.say } : {}), tool } : { text: step.text ?? '' });
  };

  const server: Server = createServer((httpReq, res) => {
    const ac = new AbortController();
    res.on('close', () => ac.abort());
    const url = new URL(httpReq.url ?? '/', 'http://127.0.0.1');
    const method = httpReq.method ?? 'GET';
    let path = url.pathname;
    let prefix: string | undefined;
    const m = /^\/a\/([\w.-]{1,64})(\/.*)$/.exec(path);
    if (m) {
      prefix = m[1];
      path = m[2]!;
    }
    const route = `${method} ${path.replace(/\/+$/, '')}`;
    const fail = (e: unknown) => {
      record({ method, path: url.pathname, answer: 'error:500', status: 500, error: messageOf(e) });
      if (!res.headersSent && !res.destroyed) sendJson(res, 500, { error: { type: 'server_error', message: messageOf(e) } });
      else res.destroy();
    };
    switch (route) {
      case 'POST /v1/messages':
        handleModel(ANTHROPIC, prefix, httpReq, res, url.pathname, ac.signal).catch(fail);
        return;
      case 'POST /v1/messages/count_tokens':
        readBody(httpReq)
          .then((t) => writeAnthropicTokenCount(res, parseAnthropicRequest(JSON.parse(t) as Record<string, unknown>)))
          .catch(fail);
        return;
      case 'POST /v1/responses':
      case 'POST /responses':
        handleModel(RESPONSES, prefix, httpReq, res, url.pathname, ac.signal).catch(fail);
        return;
      case 'GET /v1/models':
      case 'GET /models':
        sendJson(res, 200, { object: 'list', data: [{ id: 'scripted', object: 'model', type: 'model', display_name: 'Scripted model', created: 0, owned_by: 'gt' }] });
        return;
      case 'GET /_gt/log':
        sendJson(res, 200, log);
        return;
      case 'GET ':
      case 'HEAD ':
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(method === 'HEAD' ? undefined : 'gt scripted model server\n');
        return;
      default: {
        // Gemini: /v1beta/models/<model>:streamGenerateContent (alt=sse), :generateContent, :countTokens.
        const gm = /^POST \/v1(?:beta|alpha)?\/models\/([\w.-]{1,128}):(streamGenerateContent|generateContent|countTokens)$/.exec(route);
        if (gm) {
          const proto = gemini(gm[1]!, gm[2] === 'streamGenerateContent');
          if (gm[2] === 'countTokens') {
            readBody(httpReq)
              .then((t) => writeGeminiTokenCount(res, proto.parse(JSON.parse(t) as Record<string, unknown>)))
              .catch(fail);
          } else handleModel(proto, prefix, httpReq, res, url.pathname, ac.signal).catch(fail);
          return;
        }
        const rel = /^POST \/_gt\/release\/([\w.-]{1,64})$/.exec(route);
        if (rel) {
          holds.release(rel[1]!);
          sendJson(res, 200, { released: rel[1] });
          return;
        }
        record({ method, path: url.pathname, answer: 'error:404', status: 404, error: 'unknown route' });
        sendJson(res, 404, { error: { type: 'not_found', message: `no route ${method} ${url.pathname}` } });
      }
    }
  });
  server.maxConnections = MAX_CONNECTIONS;
  // Holds and delays are the point: never let Node time a request out under them.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', fail);
      done();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    port,
    agentUrl: (agent) => `${url}/a/${agent}`,
    release: (hold) => holds.release(hold),
    requests: () => [...log],
    progress: () => Object.fromEntries(agents.map((a) => [a.name, a.next])),
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

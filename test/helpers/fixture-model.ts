/**
 * A tiny loopback model for screen fixtures and live screen tests: just enough of the Anthropic
 * Messages API (Claude Code, OpenCode's anthropic provider), the OpenAI Responses API (Codex) and
 * the Gemini API (Gemini CLI, via GOOGLE_GEMINI_BASE_URL) to bring each real CLI to the screens gt
 * must recognise: an answer, a tool call that asks for permission, a turn held open ("working"),
 * and the usage-limit answers each CLI turns into its own limit screen.
 *
 * It is not the scripted model server (internal/modelserver, issue 9 part A): no scripts, no
 * per-agent state, one behaviour for every request until `set` changes it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FixtureBehaviour =
  /** Answer with `text` (default "Done."). */
  | 'text'
  /** Call the CLI's shell tool once (touch gt-fixture-file), then answer with text. */
  | 'tool'
  /** Start a streamed answer and never finish it: the CLI stays "working". */
  | 'hold'
  /** HTTP 429 in the shape each CLI shows as a usage limit, resetting `resetInSeconds` from now. */
  | 'usage-limit'
  /** HTTP 404 for the model (Gemini CLI then offers to switch models). */
  | 'model-not-found';

export interface FixtureModelSettings {
  behaviour: FixtureBehaviour;
  text: string;
  resetInSeconds: number;
}

export interface FixtureRequest {
  at: number;
  method: string;
  url: string;
  /** Which API the request was for. */
  api: 'anthropic' | 'responses' | 'gemini' | 'other';
}

export interface FixtureModel {
  url: string;
  port: number;
  set(next: Partial<FixtureModelSettings>): void;
  readonly settings: FixtureModelSettings;
  /** The last requests (at most 200). */
  readonly requests: readonly FixtureRequest[];
  close(): Promise<void>;
}

const MAX_BODY = 8 * 1024 * 1024;
const MAX_LOG = 200;
/** The command every tool call runs: harmless, and visible in the permission prompt. */
export const FIXTURE_COMMAND = 'touch gt-fixture-file';

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseJson(text: string): Record<string, any> {
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' ? (v as Record<string, any>) : {};
  } catch {
    return {};
  }
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function sseEvent(event: string | undefined, data: unknown): string {
  return `${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`;
}

export async function startFixtureModel(initial: Partial<FixtureModelSettings> = {}): Promise<FixtureModel> {
  const settings: FixtureModelSettings = { behaviour: 'text', text: 'Done.', resetInSeconds: 3 * 3600, ...initial };
  const requests: FixtureRequest[] = [];
  const held = new Set<ServerResponse>();
  const log = (req: IncomingMessage, api: FixtureRequest['api']) => {
    requests.push({ at: Date.now(), method: req.method ?? '?', url: req.url ?? '', api });
    if (requests.length > MAX_LOG) requests.splice(0, requests.length - MAX_LOG);
  };
  const hold = (res: ServerResponse, first: string) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write(first);
    held.add(res);
    res.on('close', () => held.delete(res));
  };
  const resetAtSeconds = () => Math.floor(Date.now() / 1000) + settings.resetInSeconds;

  const anthropic = (req: IncomingMessage, res: ServerResponse, body: Record<string, any>) => {
    const url = req.url ?? '';
    if (url.includes('/count_tokens')) return json(res, 200, { input_tokens: 1 });
    if (settings.behaviour === 'usage-limit') {
      // Claude Code signed in with an OAuth token reads the unified rate-limit headers and shows
      // "You've hit your session limit · resets <time>"; OpenCode shows a limit with its reset for
      // a body that names GoUsageLimitError and a retry-after header.
      return json(
        res,
        429,
        { type: 'error', error: { type: 'rate_limit_error', message: 'GoUsageLimitError: usage limit reached' }, metadata: { workspace: 'wrk_gt', limitName: '5-hour' } },
        {
          'anthropic-ratelimit-unified-status': 'rejected',
          'anthropic-ratelimit-unified-reset': String(resetAtSeconds()),
          'anthropic-ratelimit-unified-representative-claim': 'five_hour',
          'retry-after': String(settings.resetInSeconds),
          'x-should-retry': 'false',
        },
      );
    }
    const message = { id: 'msg_fixture', type: 'message', role: 'assistant', model: String(body.model ?? 'fixture'), content: [], stop_reason: null, usage: { input_tokens: 1, output_tokens: 1 } };
    if (!body.stream) return json(res, 200, { ...message, content: [{ type: 'text', text: settings.text }], stop_reason: 'end_turn' });
    const start = sseEvent('message_start', { type: 'message_start', message });
    if (settings.behaviour === 'hold') return hold(res, start);
    const messages: any[] = Array.isArray(body.messages) ? body.messages : [];
    const last = messages.at(-1);
    const answered = Array.isArray(last?.content) && last.content.some((c: any) => c?.type === 'tool_result');
    const toolNames: string[] = (Array.isArray(body.tools) ? body.tools : []).map((t: any) => String(t?.name ?? ''));
    const shell = toolNames.find((n) => n === 'Bash' || n === 'bash');
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(start);
    if (settings.behaviour === 'tool' && shell && !answered) {
      res.write(sseEvent('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 'toolu_fixture', name: shell, input: {} } }));
      res.write(sseEvent('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: JSON.stringify({ command: FIXTURE_COMMAND, description: 'Create the fixture file' }) } }));
      res.write(sseEvent('content_block_stop', { type: 'content_block_stop', index: 0 }));
      res.write(sseEvent('message_delta', { type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 1 } }));
    } else {
      res.write(sseEvent('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }));
      res.write(sseEvent('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: settings.text } }));
      res.write(sseEvent('content_block_stop', { type: 'content_block_stop', index: 0 }));
      res.write(sseEvent('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 1 } }));
    }
    res.write(sseEvent('message_stop', { type: 'message_stop' }));
    res.end();
  };

  const responses = (res: ServerResponse, body: Record<string, any>) => {
    if (settings.behaviour === 'usage-limit') {
      return json(res, 429, {
        error: { type: 'usage_limit_reached', message: 'The usage limit has been reached', plan_type: 'plus', resets_at: resetAtSeconds(), resets_in_seconds: settings.resetInSeconds },
      });
    }
    const ev = (type: string, o: Record<string, unknown>) => sseEvent(type, { type, ...o });
    const created = ev('response.created', { response: { id: 'resp_fixture' } });
    if (settings.behaviour === 'hold') return hold(res, created);
    const input: any[] = Array.isArray(body.input) ? body.input : [];
    const answered = input.some((i) => i?.type === 'function_call_output');
    const toolNames: string[] = (Array.isArray(body.tools) ? body.tools : []).map((t: any) => String(t?.name ?? ''));
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(created);
    let item: Record<string, unknown>;
    if (settings.behaviour === 'tool' && toolNames.includes('exec_command') && !answered) {
      // Escalation outside the sandbox is what Codex asks a person about under its default policy.
      item = {
        type: 'function_call',
        id: 'fc_fixture',
        call_id: 'call_fixture',
        name: 'exec_command',
        arguments: JSON.stringify({ cmd: FIXTURE_COMMAND, sandbox_permissions: 'require_escalated', justification: 'Create the fixture file?' }),
      };
    } else {
      item = { type: 'message', id: 'msg_fixture', role: 'assistant', content: [{ type: 'output_text', text: settings.text }] };
    }
    res.write(ev('response.output_item.done', { item }));
    res.write(ev('response.completed', { response: { id: 'resp_fixture', usage: { input_tokens: 1, input_tokens_details: null, output_tokens: 1, output_tokens_details: null, total_tokens: 2 } } }));
    res.end();
  };

  const gemini = (req: IncomingMessage, res: ServerResponse, body: Record<string, any>) => {
    const url = req.url ?? '';
    const streaming = url.includes(':streamGenerateContent');
    if (!streaming) {
      // Non-streamed calls are Gemini CLI's own helpers (model routing, titles): always answered,
      // or its router retries in a tight loop.
      return json(res, 200, { candidates: [{ content: { role: 'model', parts: [{ text: '{"reasoning":"fixture","model_choice":"flash"}' }] }, finishReason: 'STOP', index: 0 }] });
    }
    if (settings.behaviour === 'usage-limit') {
      // A retry delay longer than Gemini CLI retries by itself makes it a terminal quota error:
      // "Usage limit reached for ... Access resets at <time>."
      return json(res, 429, {
        error: {
          code: 429,
          message: 'Resource has been exhausted (e.g. check quota).',
          status: 'RESOURCE_EXHAUSTED',
          details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${settings.resetInSeconds}s` }],
        },
      });
    }
    if (settings.behaviour === 'model-not-found') {
      return json(res, 404, { error: { code: 404, message: `models/${/models\/([^:]+)/.exec(url)?.[1] ?? 'unknown'} is not found for API version v1beta`, status: 'NOT_FOUND' } });
    }
    if (settings.behaviour === 'hold') return hold(res, '');
    const contents: any[] = Array.isArray(body.contents) ? body.contents : [];
    const answered = contents.some((c) => Array.isArray(c?.parts) && c.parts.some((p: any) => p?.functionResponse));
    const hasTools = Array.isArray(body.tools) && body.tools.length > 0;
    const parts =
      settings.behaviour === 'tool' && hasTools && !answered
        ? [{ functionCall: { name: 'run_shell_command', args: { command: FIXTURE_COMMAND, description: 'Create the fixture file' } } }]
        : [{ text: settings.text }];
    const chunk = { candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }], usageMetadata: { promptTokenCount: 1, candidatesTokenCount: 1, totalTokenCount: 2 } };
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(`data: ${JSON.stringify(chunk)}\r\n\r\n`);
    res.end();
  };

  const server = createServer((req, res) => {
    readBody(req)
      .then((text) => {
        const url = req.url ?? '';
        const body = parseJson(text);
        if (req.method === 'POST' && url.startsWith('/v1/messages')) {
          log(req, 'anthropic');
          return anthropic(req, res, body);
        }
        if (req.method === 'POST' && url.startsWith('/v1/responses')) {
          log(req, 'responses');
          return responses(res, body);
        }
        if (req.method === 'POST' && url.startsWith('/v1beta/models/')) {
          log(req, 'gemini');
          return gemini(req, res, body);
        }
        log(req, 'other');
        if (url.startsWith('/v1/models')) return json(res, 200, { object: 'list', data: [], models: [] });
        // HEAD / and other probes: answered, so no CLI waits on them.
        return json(res, req.method === 'HEAD' ? 200 : 404, { error: { message: `fixture model: nothing at ${req.method} ${url}` } });
      })
      .catch(() => {
        if (!res.headersSent) json(res, 400, { error: { message: 'bad request' } });
        else res.end();
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get settings() {
      return { ...settings };
    },
    get requests() {
      return requests;
    },
    set(next) {
      Object.assign(settings, next);
    },
    async close() {
      for (const r of held) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

import type { ServerResponse } from 'node:http';
import { sendJson, tokens, type Answer } from './answer.js';
import type { ModelRequest } from './request.js';

/**
 * The Gemini API (`POST /v1beta/models/<model>:streamGenerateContent?alt=sse` and
 * `:generateContent`, as Gemini CLI calls it with GOOGLE_GEMINI_BASE_URL): candidates whose
 * parts are text and/or one functionCall.
 */

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

function partsText(parts: unknown): { text: string[]; results: string[] } {
  const text: string[] = [];
  const results: string[] = [];
  for (const p of Array.isArray(parts) ? parts.filter(isObj) : []) {
    if (typeof p.text === 'string') text.push(p.text);
    if (isObj(p.functionResponse)) results.push(JSON.stringify(p.functionResponse.response ?? {}));
    if (isObj(p.functionCall)) text.push(JSON.stringify(p.functionCall.args ?? {}));
  }
  return { text, results };
}

export function parseGeminiRequest(body: Json, model: string, stream: boolean): ModelRequest {
  const contents = Array.isArray(body.contents) ? body.contents.filter(isObj) : [];
  const sys = isObj(body.systemInstruction) ? partsText(body.systemInstruction.parts).text.join('\n') : '';
  const all: string[] = [sys];
  let lastUser = '';
  let toolResults: string[] = [];
  for (const c of contents) {
    const { text, results } = partsText(c.parts);
    all.push(...text, ...results);
    if (c.role === 'user' || c.role === 'function') {
      if (results.length) toolResults = results;
      else {
        toolResults = [];
        if (text.length) lastUser = text.join('\n');
      }
    } else toolResults = [];
  }
  const tools: string[] = [];
  for (const t of Array.isArray(body.tools) ? body.tools.filter(isObj) : []) {
    for (const f of Array.isArray(t.functionDeclarations) ? t.functionDeclarations.filter(isObj) : []) if (str(f.name)) tools.push(str(f.name));
  }
  const gen = isObj(body.generationConfig) ? body.generationConfig : {};
  const schema = gen.responseJsonSchema ?? gen.responseSchema;
  return {
    api: 'gemini-generate-content',
    model,
    stream,
    text: all.filter(Boolean).join('\n'),
    lastUser,
    toolResults,
    tools,
    side: tools.length === 0,
    ...(schema !== undefined ? { jsonSchema: schema } : {}),
  };
}

function chunk(req: ModelRequest, answer: Answer): Json {
  const parts: Json[] = [];
  if (answer.text) parts.push({ text: answer.text });
  if (answer.tool) parts.push({ functionCall: { name: answer.tool.name, args: answer.tool.input } });
  const inTok = tokens(req.text);
  const outTok = tokens(JSON.stringify(parts));
  return {
    candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }],
    usageMetadata: { promptTokenCount: inTok, candidatesTokenCount: outTok, totalTokenCount: inTok + outTok },
    modelVersion: req.model,
  };
}

export function writeGeminiAnswer(res: ServerResponse, req: ModelRequest, answer: Answer): void {
  if (!req.stream) {
    sendJson(res, 200, chunk(req, answer));
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
  res.write(`data: ${JSON.stringify(chunk(req, answer))}\r\n\r\n`);
  res.end();
}

/** The first bytes of a stream, for a step that drops the connection mid-stream. */
export function startGeminiStream(res: ServerResponse, req: ModelRequest): void {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
  res.write(`data: ${JSON.stringify({ candidates: [{ content: { role: 'model', parts: [{ text: '' }] }, index: 0 }], modelVersion: req.model })}\r\n\r\n`);
}

const STATUS: Record<number, string> = { 400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 429: 'RESOURCE_EXHAUSTED', 503: 'UNAVAILABLE' };

export function geminiErrorBody(status: number, message: string, type?: string): unknown {
  return { error: { code: status, message, status: type ?? STATUS[status] ?? 'INTERNAL' } };
}

/** `:countTokens`. */
export function writeGeminiTokenCount(res: ServerResponse, req: ModelRequest): void {
  sendJson(res, 200, { totalTokens: tokens(req.text) });
}

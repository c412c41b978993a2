import type { ServerResponse } from 'node:http';
import { randomId, sendJson, sseEvent, startSse, tokens, type Answer } from './answer.js';
import type { ModelRequest } from './request.js';

/**
 * The OpenAI Responses API (`POST /v1/responses`, as Codex calls it): a streamed response of an
 * output message and/or a function call, ending with `response.completed`.
 */

type Item = Record<string, unknown>;

function outputItems(answer: Answer): Item[] {
  const items: Item[] = [];
  if (answer.text) {
    items.push({
      type: 'message',
      id: randomId('msg_'),
      role: 'assistant',
      status: 'completed',
      content: [{ type: 'output_text', text: answer.text, annotations: [] }],
    });
  }
  if (answer.tool) {
    items.push({
      type: 'function_call',
      id: randomId('fc_'),
      call_id: randomId('call_'),
      name: answer.tool.name,
      arguments: JSON.stringify(answer.tool.input),
      status: 'completed',
    });
  }
  return items;
}

function responseObject(id: string, req: ModelRequest, status: string, output: Item[]): Item {
  const inTok = tokens(req.text);
  const outTok = tokens(JSON.stringify(output));
  return {
    id,
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    status,
    model: req.model,
    output,
    usage:
      status === 'completed'
        ? { input_tokens: inTok, input_tokens_details: { cached_tokens: 0 }, output_tokens: outTok, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: inTok + outTok }
        : null,
  };
}

export function writeResponsesAnswer(res: ServerResponse, req: ModelRequest, answer: Answer): void {
  const id = randomId('resp_');
  const items = outputItems(answer);
  if (!req.stream) {
    sendJson(res, 200, responseObject(id, req, 'completed', items));
    return;
  }
  startSse(res);
  let seq = 0;
  const ev = (type: string, data: Item) => sseEvent(res, type, { type, sequence_number: seq++, ...data });
  ev('response.created', { response: responseObject(id, req, 'in_progress', []) });
  ev('response.in_progress', { response: responseObject(id, req, 'in_progress', []) });
  items.forEach((item, output_index) => {
    if (item.type === 'message') {
      const text = ((item.content as Item[])[0]!.text as string) ?? '';
      ev('response.output_item.added', { output_index, item: { ...item, status: 'in_progress', content: [] } });
      ev('response.content_part.added', { item_id: item.id, output_index, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } });
      ev('response.output_text.delta', { item_id: item.id, output_index, content_index: 0, delta: text });
      ev('response.output_text.done', { item_id: item.id, output_index, content_index: 0, text });
      ev('response.content_part.done', { item_id: item.id, output_index, content_index: 0, part: { type: 'output_text', text, annotations: [] } });
    } else {
      ev('response.output_item.added', { output_index, item: { ...item, arguments: '', status: 'in_progress' } });
      ev('response.function_call_arguments.delta', { item_id: item.id, output_index, delta: item.arguments });
      ev('response.function_call_arguments.done', { item_id: item.id, output_index, arguments: item.arguments });
    }
    ev('response.output_item.done', { output_index, item });
  });
  ev('response.completed', { response: responseObject(id, req, 'completed', items) });
  res.end();
}

/** The first bytes of a stream, for a step that drops the connection mid-stream. */
export function startResponsesStream(res: ServerResponse, req: ModelRequest): void {
  startSse(res);
  sseEvent(res, 'response.created', { type: 'response.created', sequence_number: 0, response: responseObject(randomId('resp_'), req, 'in_progress', []) });
}

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'invalid_api_key',
  403: 'permission_denied',
  404: 'not_found',
  429: 'rate_limit_exceeded',
};

export function responsesErrorBody(status: number, message: string, type?: string): unknown {
  const t = type ?? ERROR_TYPES[status] ?? 'server_error';
  return { error: { type: t, code: t, message, param: null } };
}

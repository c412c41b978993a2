import type { ServerResponse } from 'node:http';
import { randomId, sendJson, sseEvent, startSse, tokens, type Answer } from './answer.js';
import type { ModelRequest } from './request.js';

/**
 * The Anthropic Messages API (`POST /v1/messages`, as Claude Code calls it with `?beta=true`):
 * a streamed message of text and tool_use blocks, or the same as one JSON body.
 */

function blocks(answer: Answer): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  if (answer.text) out.push({ type: 'text', text: answer.text });
  if (answer.tool) out.push({ type: 'tool_use', id: randomId('toolu_'), name: answer.tool.name, input: answer.tool.input });
  return out;
}

export function writeAnthropicAnswer(res: ServerResponse, req: ModelRequest, answer: Answer): void {
  const id = randomId('msg_');
  const content = blocks(answer);
  const stopReason = answer.tool ? 'tool_use' : 'end_turn';
  const outTokens = tokens(JSON.stringify(content));
  const usage = { input_tokens: tokens(req.text), output_tokens: outTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
  if (!req.stream) {
    sendJson(res, 200, { id, type: 'message', role: 'assistant', model: req.model, content, stop_reason: stopReason, stop_sequence: null, usage });
    return;
  }
  startSse(res);
  sseEvent(res, 'message_start', {
    type: 'message_start',
    message: { id, type: 'message', role: 'assistant', model: req.model, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } },
  });
  content.forEach((b, index) => {
    if (b.type === 'text') {
      sseEvent(res, 'content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
      sseEvent(res, 'content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: b.text } });
    } else {
      sseEvent(res, 'content_block_start', { type: 'content_block_start', index, content_block: { type: 'tool_use', id: b.id, name: b.name, input: {} } });
      sseEvent(res, 'content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(b.input) } });
    }
    sseEvent(res, 'content_block_stop', { type: 'content_block_stop', index });
  });
  sseEvent(res, 'message_delta', { type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: outTokens } });
  sseEvent(res, 'message_stop', { type: 'message_stop' });
  res.end();
}

/** The first bytes of a stream, for a step that drops the connection mid-stream. */
export function startAnthropicStream(res: ServerResponse, req: ModelRequest): void {
  startSse(res);
  sseEvent(res, 'message_start', {
    type: 'message_start',
    message: { id: randomId('msg_'), type: 'message', role: 'assistant', model: req.model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: tokens(req.text), output_tokens: 1 } },
  });
  sseEvent(res, 'content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
}

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  529: 'overloaded_error',
};

export function anthropicErrorBody(status: number, message: string, type?: string): unknown {
  return { type: 'error', error: { type: type ?? ERROR_TYPES[status] ?? 'api_error', message } };
}

/** `POST /v1/messages/count_tokens`. */
export function writeAnthropicTokenCount(res: ServerResponse, req: ModelRequest): void {
  sendJson(res, 200, { input_tokens: tokens(req.text) });
}

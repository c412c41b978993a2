/**
 * A model request as the scripted server needs to see it, whichever API it came through: the
 * text to match scripts against, the tool results the agent sent back, the tools it offers.
 */
export type ModelApi = 'anthropic-messages' | 'openai-responses' | 'gemini-generate-content';

export interface ModelRequest {
  api: ModelApi;
  model: string;
  stream: boolean;
  /** Everything readable in the request: system prompt / instructions, messages, tool results. */
  text: string;
  /** The last text a user (or the CLI on the user's behalf) wrote, tool results excluded. */
  lastUser: string;
  /** Outputs of the tool calls answered in this request (the newest round only). */
  toolResults: string[];
  /** Names of the tools the CLI offers. */
  tools: string[];
  /** A request with no tools: the CLI's own side question (a title, a summary), not the agent's turn. */
  side: boolean;
  /** For a side request that asks for structured output, the JSON schema of the answer. */
  jsonSchema?: unknown;
}

type Json = Record<string, unknown>;

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** Text of a content value: a string, or an array of blocks with `text` (nested tool results too). */
function contentText(c: unknown): string {
  if (typeof c === 'string') return c;
  if (!Array.isArray(c)) return '';
  return c
    .map((b) => {
      if (!isObj(b)) return '';
      if (typeof b.text === 'string') return b.text;
      if (b.type === 'tool_result') return contentText(b.content);
      if (b.type === 'tool_use') return JSON.stringify(b.input ?? {});
      return '';
    })
    .filter(Boolean)
    .join('\n');
}

export function parseAnthropicRequest(body: Json): ModelRequest {
  const system = typeof body.system === 'string' ? body.system : contentText(body.system);
  const messages = Array.isArray(body.messages) ? body.messages.filter(isObj) : [];
  const parts = [system, ...messages.map((m) => contentText(m.content))];
  let lastUser = '';
  let toolResults: string[] = [];
  for (const m of messages) {
    if (m.role !== 'user') continue;
    const blocks = Array.isArray(m.content) ? m.content.filter(isObj) : [];
    const results = blocks.filter((b) => b.type === 'tool_result').map((b) => contentText(b.content));
    const texts = typeof m.content === 'string' ? [m.content] : blocks.filter((b) => b.type === 'text').map((b) => str(b.text));
    toolResults = results;
    // Claude Code puts context in <system-reminder> blocks beside the prompt: the prompt is the rest.
    const own = texts.filter((t) => !t.trimStart().startsWith('<system-reminder>'));
    if (own.length) lastUser = own.join('\n');
  }
  const tools = Array.isArray(body.tools) ? body.tools.filter(isObj).map((t) => str(t.name)).filter(Boolean) : [];
  return {
    api: 'anthropic-messages',
    model: str(body.model) || 'claude-scripted',
    stream: body.stream === true,
    text: parts.filter(Boolean).join('\n'),
    lastUser,
    toolResults,
    tools,
    side: tools.length === 0,
  };
}

export function parseResponsesRequest(body: Json): ModelRequest {
  const input = typeof body.input === 'string' ? [{ type: 'message', role: 'user', content: body.input }] : Array.isArray(body.input) ? body.input.filter(isObj) : [];
  const parts = [str(body.instructions)];
  let lastUser = '';
  let toolResults: string[] = [];
  for (const item of input) {
    const type = item.type ?? 'message';
    if (type === 'message') {
      const t = contentText(item.content);
      parts.push(t);
      // Codex sends its environment and AGENTS.md as user messages in tags; the prompt is the untagged one.
      if (item.role === 'user' && t && !/^\s*<[a-z_]+>/.test(t) && !t.startsWith('# AGENTS.md')) lastUser = t;
      if (item.role === 'user' || item.role === 'assistant') toolResults = [];
    } else if (type === 'function_call_output' || type === 'custom_tool_call_output') {
      const out = typeof item.output === 'string' ? item.output : contentText(item.output);
      parts.push(out);
      toolResults.push(out);
    } else if (type === 'function_call' || type === 'custom_tool_call') {
      parts.push(str(item.arguments) || str(item.input));
      toolResults = [];
    }
  }
  const tools = Array.isArray(body.tools) ? body.tools.filter(isObj).map((t) => str(t.name) || str(t.type)).filter(Boolean) : [];
  const format = isObj(body.text) && isObj(body.text.format) ? body.text.format : undefined;
  return {
    api: 'openai-responses',
    model: str(body.model) || 'gpt-scripted',
    stream: body.stream === true,
    text: parts.filter(Boolean).join('\n'),
    lastUser,
    toolResults,
    tools,
    side: tools.length === 0,
    ...(format && format.type === 'json_schema' ? { jsonSchema: format.schema } : {}),
  };
}

/** A value that satisfies a (simple) JSON schema: for side requests that ask for structured output. */
export function sampleForSchema(schema: unknown, depth = 0): unknown {
  if (!isObj(schema) || depth > 6) return 'scripted';
  if (Array.isArray(schema.enum) && schema.enum.length) return schema.enum[0];
  const raw = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  // JSON Schema spells types in lower case, the Gemini API's OpenAPI subset in upper case.
  const type = typeof raw === 'string' ? raw.toLowerCase() : raw;
  switch (type) {
    case 'object': {
      const props = isObj(schema.properties) ? schema.properties : {};
      const out: Json = {};
      for (const [k, v] of Object.entries(props)) out[k] = sampleForSchema(v, depth + 1);
      return out;
    }
    case 'array':
      return [];
    case 'number':
    case 'integer':
      // The smallest allowed value, else 1 (a score or a count that must be positive still fits).
      return typeof schema.minimum === 'number' ? schema.minimum : 1;
    case 'boolean':
      return false;
    case 'null':
      return null;
    default:
      return 'Scripted task';
  }
}

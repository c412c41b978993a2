import { readTextBounded } from '../fsx/read.js';
import { z } from 'zod';
import { parseWith } from '../config/load.js';
import { durationMs } from '../config/schema-helpers.js';
import { ConfigError, errnoCode, messageOf } from '../errors.js';

/**
 * A model-server script: what the scripted model answers, request by request, for each agent
 * that talks to it. One step answers one model request (a turn of a real CLI is several
 * requests: one per tool call, then the closing text).
 *
 *   { "agents": [ { "name": "polecat", "match": "You are polecat", "steps": [
 *       { "bash": "gt hook" },
 *       { "write": { "path": "notes.txt", "content": "hello\n" } },
 *       { "bash": "git add -A && git commit -m done" },
 *       { "bash": "gt done" },
 *       { "text": "Finished." } ] } ] }
 *
 * or, for one agent, just `{ "steps": [...] }`.
 */

const MAX_SCRIPT_BYTES = 1024 * 1024;

const regexSource = z.string().min(1).superRefine((s, ctx) => {
  try {
    new RegExp(s);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: `not a valid regular expression: ${messageOf(e)}` });
  }
});

const errorSchema = z
  .object({
    /** HTTP status: 429 for a rate or usage limit, 500/529 for a server fault, 401 for a bad key. */
    status: z.number().int().min(400).max(599),
    /** The error message the CLI shows. */
    message: z.string().optional(),
    /** The API's error type (default from the status: rate_limit_error, api_error, ...). */
    type: z.string().min(1).optional(),
    /** A whole response body to send instead of the API-shaped default. */
    body: z.unknown().optional(),
    /** Extra response headers, e.g. retry-after or a rate-limit reset. */
    headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/, 'expected an HTTP header name'), z.string()).optional(),
  })
  .strict();

const stepSchema = z
  .object({
    /** Answer with this text and end the turn. */
    text: z.string().optional(),
    /** Call the CLI's own shell tool (Claude Bash, Codex exec_command/shell, Gemini run_shell_command, OpenCode bash). */
    bash: z.string().min(1).optional(),
    /** Write a file with the CLI's own write tool, or through its shell tool when it has none. */
    write: z.object({ path: z.string().min(1), content: z.string() }).strict().optional(),
    /** Call any tool by its name with this input. */
    tool: z.object({ name: z.string().min(1), input: z.record(z.string(), z.unknown()) }).strict().optional(),
    /** Answer with an HTTP error. */
    error: errorSchema.optional(),
    /** Close the connection: before any byte is sent, or after the stream has started. */
    drop: z.enum(['before-headers', 'mid-stream']).optional(),
    /** Text shown before a tool call in the same answer. */
    say: z.string().optional(),
    /** Wait this long before answering: the CLI stays inside its turn ("working"). */
    delay: durationMs.optional(),
    /** Wait until this hold is released (HTTP POST /_gt/release/<name>, or release() in tests). */
    hold: z.string().regex(/^[\w.-]{1,64}$/, 'expected a short name (letters, digits, "_", "-", ".")').optional(),
    /** Longest a hold waits before answering anyway (default 10m). */
    hold_timeout: durationMs.optional(),
    /** A regular expression the request must contain (system prompt, messages, tool results); else a 400. */
    expect: regexSource.optional(),
    /** Use this step for this many requests in a row (e.g. errors a CLI retries). */
    times: z.number().int().min(1).max(1000).optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    const kinds = (['text', 'bash', 'write', 'tool', 'error', 'drop'] as const).filter((k) => s[k] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message:
          kinds.length === 0
            ? 'a step needs one of "text", "bash", "write", "tool", "error" or "drop"'
            : `a step has exactly one of "text", "bash", "write", "tool", "error" or "drop" (got ${kinds.join(', ')})`,
      });
    }
    if (s.say !== undefined && !(s.bash || s.write || s.tool)) ctx.addIssue({ code: 'custom', path: ['say'], message: '"say" goes with a tool call (bash, write or tool)' });
    if (s.hold_timeout !== undefined && s.hold === undefined) ctx.addIssue({ code: 'custom', path: ['hold_timeout'], message: '"hold_timeout" needs "hold"' });
  });

const agentSchema = z
  .object({
    name: z.string().regex(/^[\w.-]{1,64}$/, 'expected a short name (letters, digits, "_", "-", ".")'),
    /** Requests whose text contains this regular expression go to this agent (first match wins). */
    match: regexSource.optional(),
    steps: z.array(stepSchema).max(10_000),
    /** When the steps are used up: end each further turn with a short text (idle), or answer 500 (error). */
    then: z.enum(['idle', 'error']).prefault('idle'),
  })
  .strict();

const multiSchema = z
  .object({ agents: z.array(agentSchema).min(1).max(100) })
  .strict()
  .superRefine((s, ctx) => {
    const seen = new Set<string>();
    for (const [i, a] of s.agents.entries()) {
      if (seen.has(a.name)) ctx.addIssue({ code: 'custom', path: ['agents', i, 'name'], message: `agent name ${JSON.stringify(a.name)} is used twice` });
      seen.add(a.name);
    }
  });

const singleSchema = z.object({ steps: z.array(stepSchema).max(10_000), then: z.enum(['idle', 'error']).optional() }).strict();

export type ScriptStep = z.output<typeof stepSchema>;
export type ScriptAgent = z.output<typeof agentSchema>;
/** A validated script: its agents in routing order (a one-agent script's agent is "default"). */
export type Script = ScriptAgent[];
/** What a script may be given as, before validation (tests write these inline). */
export type ScriptInput = z.input<typeof multiSchema> | z.input<typeof singleSchema>;

/**
 * Validate a script given as a value. Throws ConfigError naming the field. The two forms are
 * told apart by their keys (not a union), so a mistake is reported at its own path.
 */
export function parseScript(value: unknown, label = 'model-server script'): Script {
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && 'agents' in value) return parseWith(multiSchema, value, label).agents;
  const s = parseWith(singleSchema, value, label);
  return [{ name: 'default', steps: s.steps, then: s.then ?? 'idle' }];
}

/** Read and validate a script file (a regular JSON file of at most 1 MiB). */
export function loadScriptFile(path: string): Script {
  let text: string;
  try {
    const r = readTextBounded(path, { cap: MAX_SCRIPT_BYTES });
    if (!r.ok && r.missing) throw new ConfigError(path, undefined, 'file is missing');
    if (!r.ok) throw new ConfigError(path, undefined, `invalid: ${r.invalid}; pass a JSON script file`);
    text = r.text;
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError(path, undefined, errnoCode(e) === 'ENOENT' ? 'file is missing' : `cannot read: ${messageOf(e)}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(path, undefined, `not valid JSON (${messageOf(e).slice(0, 200)})`);
  }
  return parseScript(value, path);
}

/** The steps an agent answers with, `times` unrolled. */
export function unrollSteps(steps: readonly ScriptStep[]): ScriptStep[] {
  return steps.flatMap((s) => Array.from({ length: s.times ?? 1 }, () => s));
}

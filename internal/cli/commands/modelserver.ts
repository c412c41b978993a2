import type { CommandContext, CommandSpec } from '../spec.js';
import { UsageError } from '../../errors.js';

export const spec: CommandSpec = {
  usage: 'gt modelserver --script FILE [--port N] [--log FILE] [--check] [--json]',
  description:
    'Run the scripted model server on 127.0.0.1: it answers the Anthropic Messages API (POST /v1/messages) and the OpenAI Responses API (POST /v1/responses) from a script, so the real agent CLIs run whole turns offline. Every request is printed (and appended to --log).',
  options: {
    script: { type: 'string', arg: 'FILE', description: 'the JSON script: {"steps": [...]} or {"agents": [{"name", "match", "steps"}]}' },
    port: { type: 'string', arg: 'N', description: 'TCP port on 127.0.0.1 (default: a free one, printed at start)' },
    log: { type: 'string', arg: 'FILE', description: 'append every request as one JSON line to FILE' },
    check: { type: 'boolean', description: 'validate the script and exit' },
    json: { type: 'boolean', description: 'print the listening address and each request as JSON lines' },
  },
  details: [
    'Steps (one per model request; a turn is several requests):',
    '  {"text": "..."}                       answer with text; the turn ends (the CLI goes idle)',
    '  {"bash": "gt hook"}                   call the CLI\'s shell tool (Bash, exec_command, run_shell_command, bash)',
    '  {"write": {"path": "f", "content": "x"}}  write a file (the CLI\'s write tool, or its shell)',
    '  {"tool": {"name": "Edit", "input": {...}}}  call any tool the CLI offers',
    '  {"error": {"status": 429, "message": "...", "headers": {...}, "body": {...}}}  an HTTP error',
    '  {"drop": "before-headers" | "mid-stream"}  close the connection',
    'Modifiers: "say" (text before a tool call), "delay": "5s" (hold the turn), "hold": "name" (wait for',
    'POST /_gt/release/<name>), "expect": "regex" (the request must contain it, else 400), "times": N.',
    'Routing: /a/<agent>/v1/... goes to that agent; otherwise the first agent whose "match" regex is found',
    'in the request (system prompt, messages). Requests with no tools (titles, summaries) use no step.',
    'Point Claude Code at it with ANTHROPIC_BASE_URL=http://127.0.0.1:PORT, Codex with a',
    '[model_providers.x] base_url = "http://127.0.0.1:PORT/v1", wire_api = "responses".',
    'Stops on SIGINT or SIGTERM. GET /_gt/log returns the request log.',
  ].join('\n'),
};

export async function run(ctx: CommandContext): Promise<number> {
  const v = ctx.args.values;
  const file = v.script as string | undefined;
  if (!file) throw new UsageError('gt modelserver needs --script FILE', "see 'gt modelserver --help' for the script format");
  let port = 0;
  if (v.port !== undefined) {
    port = Number(v.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number 0-65535 (got ${JSON.stringify(v.port)})`);
  }
  const { loadScriptFile } = await import('../../modelserver/script.js');
  const script = loadScriptFile(file);
  if (v.check) {
    ctx.out(ctx.json ? JSON.stringify({ ok: true, agents: script.map((a) => ({ name: a.name, steps: a.steps.length })) }) : `${file}: ok (${script.map((a) => `${a.name}: ${a.steps.length} steps`).join(', ')})`);
    return 0;
  }
  const { startModelServer } = await import('../../modelserver/server.js');
  const server = await startModelServer({
    script,
    port,
    ...(v.log ? { logFile: v.log as string } : {}),
    onRequest: (e) =>
      ctx.out(
        ctx.json
          ? JSON.stringify(e)
          : `${e.at} ${e.method} ${e.path}${e.agent ? ` agent=${e.agent}` : ''}${e.step !== undefined ? ` step=${e.step}` : ''} -> ${e.answer}${e.error ? ` (${e.error})` : ''}`,
      ),
  });
  ctx.out(ctx.json ? JSON.stringify({ url: server.url, port: server.port }) : `modelserver listening on ${server.url}`);
  await new Promise<void>((done) => {
    const stop = () => done();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  return 0;
}

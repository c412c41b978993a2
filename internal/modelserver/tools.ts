import type { ScriptStep } from './script.js';

/**
 * Script steps speak of "run this in the shell" and "write this file"; each CLI names its tools
 * differently. This maps a step onto the tools the request actually offers, so one script works
 * for Claude Code, Codex, Gemini CLI and OpenCode alike.
 */

export interface ToolCall {
  name: string;
  input: Record<string, unknown>;
}

export class ScriptToolError extends Error {}

/** Shell tools by CLI, and how each takes its command. */
const SHELL_TOOLS: ReadonlyArray<[string, (cmd: string) => Record<string, unknown>]> = [
  ['Bash', (cmd) => ({ command: cmd, description: 'Run a scripted command' })], // Claude Code
  ['exec_command', (cmd) => ({ cmd })], // Codex (unified exec)
  ['shell', (cmd) => ({ command: ['bash', '-lc', cmd] })], // Codex (classic shell tool)
  ['shell_command', (cmd) => ({ command: cmd })], // Codex (shell_command variant)
  ['run_shell_command', (cmd) => ({ command: cmd, description: 'Run a scripted command' })], // Gemini CLI
  ['bash', (cmd) => ({ command: cmd, description: 'Run a scripted command' })], // OpenCode
];

/** Write tools by CLI, and how each takes a path and content. */
const WRITE_TOOLS: ReadonlyArray<[string, (path: string, content: string) => Record<string, unknown>]> = [
  ['Write', (file_path, content) => ({ file_path, content })], // Claude Code (absolute path)
  ['write_file', (file_path, content) => ({ file_path, content })], // Gemini CLI
  ['write', (filePath, content) => ({ filePath, content })], // OpenCode
];

/** Single-quote for POSIX sh. */
function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export function shellCall(cmd: string, offered: readonly string[]): ToolCall {
  for (const [name, input] of SHELL_TOOLS) if (offered.includes(name)) return { name, input: input(cmd) };
  throw new ScriptToolError(`the request offers no shell tool (offered: ${offered.slice(0, 20).join(', ') || 'none'})`);
}

/**
 * A file write. Paths in scripts are relative to the agent's working directory unless absolute;
 * tools that want an absolute path get one from `cwd` when the request named it, else the write
 * goes through the shell (which runs in the agent's directory).
 */
export function writeCall(path: string, content: string, offered: readonly string[], cwd?: string): ToolCall {
  const abs = path.startsWith('/') ? path : cwd ? `${cwd.replace(/\/$/, '')}/${path}` : undefined;
  if (abs) for (const [name, input] of WRITE_TOOLS) if (offered.includes(name)) return { name, input: input(abs, content) };
  return shellCall(`mkdir -p "$(dirname ${shq(path)})" && printf '%s' ${shq(content)} > ${shq(path)}`, offered);
}

/** The tool call a step asks for, or undefined for a step that is not a tool call. */
export function stepToolCall(step: ScriptStep, offered: readonly string[], cwd?: string): ToolCall | undefined {
  if (step.bash !== undefined) return shellCall(step.bash, offered);
  if (step.write !== undefined) return writeCall(step.write.path, step.write.content, offered, cwd);
  if (step.tool !== undefined) {
    if (!offered.includes(step.tool.name)) throw new ScriptToolError(`the request does not offer tool ${JSON.stringify(step.tool.name)} (offered: ${offered.slice(0, 20).join(', ')})`);
    return { name: step.tool.name, input: step.tool.input };
  }
  return undefined;
}

/** The working directory a CLI told the model about (Claude: "Primary working directory", Codex: <cwd>). */
export function cwdFromText(text: string): string | undefined {
  const m = /<cwd>([^<\n]+)<\/cwd>/.exec(text) ?? /Primary working directory: (\/[^\n]+)/.exec(text) ?? /Working directory: (\/[^\n]+)/.exec(text);
  return m?.[1]?.trim();
}

import { spawn } from 'node:child_process';
import { InvalidInputError } from '../errors.js';

export interface GtResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Split a nudged command line into argv without a shell: whitespace separates words, '...'
 * and "..." group them, backslash escapes the next character outside single quotes. Nothing is
 * expanded ($, `, globs are literal), so text typed into a pane can never run anything but gt.
 */
export function splitWords(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < line.length) cur += line[++i];
      else cur += c;
      continue;
    }
    if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < line.length) {
      cur += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (quote) throw new InvalidInputError(`unterminated ${quote} quote`);
  if (inWord) out.push(cur);
  return out;
}

/** `run: gt <args>` -> the args, or undefined when the line is not such a request. */
export function parseRunRequest(line: string): string[] | undefined {
  const m = /^run:\s*gt(?:\s+([\s\S]*))?$/.exec(line.trim());
  if (!m) return undefined;
  return splitWords(m[1] ?? '');
}

/**
 * Run gt with the same node, node flags and entry point as this process (the built main.js,
 * or main.ts under tsx in tests), as an argv array: no shell is involved.
 */
export function runGt(args: readonly string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<GtResult> {
  const entry = process.argv[1];
  if (!entry) return Promise.reject(new Error('cannot find the gt entry point (process.argv[1] is empty)'));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, entry, ...args], {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
  });
}

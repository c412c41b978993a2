import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { ConfigError, errnoCode, messageOf } from '../errors.js';

/** Turns the first zod issue into "key: problem" so a person knows which field to fix. */
export function describeIssues(error: z.ZodError): { key: string | undefined; problem: string } {
  const issue = error.issues[0];
  if (!issue) return { key: undefined, problem: 'invalid value' };
  let key = issue.path.map(String).join('.') || undefined;
  let problem = issue.message;
  if (issue.code === 'unrecognized_keys') {
    const keys = (issue as { keys: string[] }).keys;
    problem = `unknown key${keys.length > 1 ? 's' : ''} ${keys.map((k) => JSON.stringify(k)).join(', ')}; remove ${keys.length > 1 ? 'them' : 'it'} or check the spelling`;
  } else if (issue.code === 'invalid_type' && /received undefined/.test(issue.message)) {
    problem = 'missing (required)';
  }
  const more = error.issues.length - 1;
  if (more > 0) problem += ` (and ${more} more problem${more > 1 ? 's' : ''})`;
  return { key, problem };
}

export function parseWith<S extends z.ZodType>(schema: S, value: unknown, label: string): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) {
    const { key, problem } = describeIssues(r.error);
    throw new ConfigError(label, key, problem);
  }
  return r.data;
}

export interface ReadJsonOptions {
  /** Name shown in errors, e.g. "settings/config.json"; defaults to the path. */
  label?: string;
  /** Value to parse when the file does not exist; when absent, a missing file is an error. */
  ifMissing?: unknown;
}

/** Read, JSON-parse and validate a file. Every failure is a ConfigError naming the file. */
export function readJsonFile<S extends z.ZodType>(path: string, schema: S, options: ReadJsonOptions = {}): z.output<S> {
  const label = options.label ?? path;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT' && 'ifMissing' in options) return parseWith(schema, options.ifMissing, label);
    if (errnoCode(e) === 'ENOENT') throw new ConfigError(label, undefined, 'file is missing');
    throw new ConfigError(label, undefined, `cannot read: ${messageOf(e)}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(label, undefined, `not valid JSON (${messageOf(e).replace(/\s+/g, ' ').slice(0, 200)}); fix the syntax or restore it from templates/`);
  }
  return parseWith(schema, value, label);
}

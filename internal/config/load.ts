import type { z } from 'zod';
import { ConfigError, messageOf } from '../errors.js';
import { readTextBounded, READ_CAPS } from '../fsx/read.js';

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

/**
 * What a file is, which says how it may be read (internal/fsx/read.ts):
 *   config     settings and role definitions a person edits (and may symlink): 1 MB
 *   state      files gt writes itself (daemon state, rigs.json): never through a final symlink, 4 MB
 *   heartbeat  small files agents or gt commands write (heartbeats): never through a symlink, 64 KB
 */
export type FileKind = 'config' | 'state' | 'heartbeat';

const KINDS: Record<FileKind, { cap: number; noFollow: boolean }> = {
  config: { cap: READ_CAPS.config, noFollow: false },
  state: { cap: READ_CAPS.state, noFollow: true },
  heartbeat: { cap: READ_CAPS.small, noFollow: true },
};

export interface ReadJsonOptions {
  /** How the file may be read: its size cap and whether a final symlink is refused. */
  kind: FileKind;
  /** Name shown in errors, e.g. "settings/config.json"; defaults to the path. */
  label?: string;
  /** Value to parse when the file does not exist; when absent, a missing file is an error. */
  ifMissing?: unknown;
}

/**
 * Read, JSON-parse and validate a file. Every failure is a ConfigError naming the file: a file
 * that is not a regular file of bounded size is "invalid: <why>" (it is never read whole).
 */
export function readJsonFile<S extends z.ZodType>(path: string, schema: S, options: ReadJsonOptions): z.output<S> {
  const label = options.label ?? path;
  let text: string;
  try {
    const r = readTextBounded(path, KINDS[options.kind]);
    if (r.ok) text = r.text;
    else if (r.missing && 'ifMissing' in options) return parseWith(schema, options.ifMissing, label);
    else if (r.missing) throw new ConfigError(label, undefined, 'file is missing');
    else throw new ConfigError(label, undefined, `invalid: ${r.invalid}; replace it with a regular file`);
  } catch (e) {
    if (e instanceof ConfigError) throw e;
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

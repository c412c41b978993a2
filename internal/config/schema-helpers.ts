import { z } from 'zod';
import { AGENT_NAME_RE } from '../names.js';
import { parseDuration, parseSize } from './units.js';

/** A duration string ("500ms", "30s", "3m", "1h") parsed to milliseconds. */
export const durationMs = z
  .union([z.string(), z.number()])
  .transform((v, ctx) => {
    const ms = typeof v === 'number' ? v : parseDuration(v);
    if (ms === undefined || !Number.isFinite(ms) || ms < 0) {
      ctx.addIssue({
        code: 'custom',
        message: `expected a duration like "500ms", "30s", "3m" or "1h" (got ${JSON.stringify(v)})`,
      });
      return z.NEVER;
    }
    return ms;
  });

/** A size string ("512KB", "10MB") or a byte count, parsed to bytes. */
export const sizeBytes = z
  .union([z.string(), z.number().int()])
  .transform((v, ctx) => {
    const n = typeof v === 'number' ? v : parseSize(v);
    if (n === undefined || n <= 0) {
      ctx.addIssue({
        code: 'custom',
        message: `expected a size like "512KB", "10MB" or a byte count (got ${JSON.stringify(v)})`,
      });
      return z.NEVER;
    }
    return n;
  });

/** Names people give to rigs, agents and runtimes: safe in paths, session names and shells. */
export const nameSchema = z
  .string()
  .regex(AGENT_NAME_RE, 'expected letters, digits, "-" or "_" (starting with a letter or digit, at most 63 characters)');

/**
 * A runtime's process name (settings `agents.<name>.process_names`): an exact name or absolute
 * program path, a simple glob (`*`, `?`) or `<version>`; matched by
 * internal/agent/process-names.ts. No regular expressions: a user pattern must never throw or
 * stall the daemon's liveness checks.
 */
export const PROCESS_NAME_RE = /^(<version>|\/[A-Za-z0-9._+@:=%,~*?/-]{1,254}|[A-Za-z0-9._+@:=%,~*?-]{1,255})$/;
export const processNameSchema = z
  .string()
  .regex(
    PROCESS_NAME_RE,
    'expected an exact process name or a simple glob ("*" any run, "?" one character), e.g. "claude", "python3*", "/opt/bin/agent" or "<version>"; regular expressions are not supported',
  );

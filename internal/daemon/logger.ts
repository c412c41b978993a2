import { closeSync, lstatSync, renameSync, rmSync, writeSync } from 'node:fs';
import { openOwnedAppend } from '../fsx/append.js';
import { oneLine } from '../safe-text.js';

export type Level = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
  /** New rotation limits (after a settings reload). */
  setLimits(maxBytes: number, keep: number): void;
}

export interface FileLoggerOptions {
  maxBytes: number;
  /** Archives kept besides the live file: daemon.log.1 .. daemon.log.<keep>. */
  keep: number;
  /** Also write each line here (e.g. stderr when run in a terminal). */
  echo?: (line: string) => void;
  now?: () => Date;
}

/** The daemon log's one line format: ISO time, level, the message flattened and escaped. */
export function formatLogLine(level: Level, msg: string, at = new Date()): string {
  const flat = oneLine(msg.replace(/\s*\n\s*/g, ' | '));
  return `${at.toISOString()} ${level.toUpperCase().padEnd(5)} ${flat}\n`;
}

/**
 * One line per event, ISO time and level, rotated by size. The live file and its archives never
 * exceed maxBytes * (keep + 1) in total. Opened per write so rotation by rename can never leave
 * the logger writing into an archive. Never written through a symlink (or into a FIFO) planted
 * at the path: that thing is replaced by a regular file, and the replacement is logged.
 * Control characters in messages are escaped, so `tail daemon.log` is safe on a terminal.
 */
export function createFileLogger(path: string, opts: FileLoggerOptions): Logger {
  let maxBytes = opts.maxBytes;
  let keep = opts.keep;
  let size = currentSize(path);
  const now = opts.now ?? (() => new Date());

  const rotate = () => {
    if (keep === 0) {
      rmSync(path, { force: true });
    } else {
      rmSync(`${path}.${keep}`, { force: true });
      for (let i = keep - 1; i >= 1; i--) {
        try {
          renameSync(`${path}.${i}`, `${path}.${i + 1}`);
        } catch {
          // A missing archive just means fewer rotations have happened yet.
        }
      }
      try {
        renameSync(path, `${path}.1`);
      } catch {
        // Nothing to archive.
      }
    }
    size = 0;
  };

  const format = (level: Level, msg: string) => {
    let line = formatLogLine(level, msg, now());
    if (Buffer.byteLength(line) > maxBytes) line = `${cutToBytes(line, Math.max(0, maxBytes - 4))}...\n`;
    return line;
  };

  const append = (line: string): string | undefined => {
    const { fd, replaced } = openOwnedAppend(path);
    try {
      const buf = Buffer.from(line);
      let off = 0;
      while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    } finally {
      closeSync(fd);
    }
    return replaced;
  };

  const write = (level: Level, msg: string) => {
    const line = format(level, msg);
    const bytes = Buffer.byteLength(line);
    if (size > 0 && size + bytes > maxBytes) rotate();
    try {
      const replaced = append(line);
      size += bytes;
      if (replaced) {
        size = currentSize(path);
        const note = format('warn', replaced);
        append(note);
        size += Buffer.byteLength(note);
        opts.echo?.(note);
      }
    } catch {
      // The log is best effort: a full disk must not take the daemon down with it.
    }
    opts.echo?.(line);
  };

  return {
    debug: (m) => write('debug', m),
    info: (m) => write('info', m),
    warn: (m) => write('warn', m),
    error: (m) => write('error', m),
    setLimits(b, k) {
      maxBytes = b;
      keep = k;
      size = currentSize(path);
    },
  };
}

function currentSize(path: string): number {
  try {
    const st = lstatSync(path);
    return st.isFile() ? st.size : 0;
  } catch {
    return 0;
  }
}

/** The longest prefix of `s` that fits in `bytes` bytes of UTF-8. */
function cutToBytes(s: string, bytes: number): string {
  let out = s.slice(0, bytes);
  while (Buffer.byteLength(out) > bytes) out = out.slice(0, -1);
  return out;
}

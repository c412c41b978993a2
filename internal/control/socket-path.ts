import { InvalidInputError } from '../errors.js';

/**
 * sun_path holds 108 bytes on Linux, the last one a NUL. Node does not refuse a longer path: it
 * silently cuts it to fit, so a deep town would listen on (or connect to) a truncated path
 * outside its daemon/ dir, one that another deep town can share.
 */
export const MAX_SOCKET_PATH_BYTES = 107;

/** Throws when `path` cannot be a unix socket path as it is. */
export function assertSocketPathFits(path: string): void {
  const bytes = Buffer.byteLength(path);
  if (bytes <= MAX_SOCKET_PATH_BYTES) return;
  throw new InvalidInputError(
    `control socket path too long: ${path} is ${bytes} bytes, and a unix socket path holds at most ${MAX_SOCKET_PATH_BYTES}`,
    'move the town to a shorter path, or gt install it higher up',
  );
}

import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { validateSocketName } from './names.js';

/** Environment variable that names the town's tmux socket explicitly. */
export const TMUX_SOCKET_ENV = 'GT_TMUX_SOCKET';

/**
 * The town's tmux socket name (`tmux -L <name>`): `gt-<basename>-<6 hex of sha256(real path)>`.
 * The hash of the real path keeps two towns with the same directory name apart, and the same town
 * reached through a symlink on the same server. `GT_TMUX_SOCKET` overrides (validated).
 */
export function townSocketName(townRoot: string, env: NodeJS.ProcessEnv = process.env): string {
  const override = env[TMUX_SOCKET_ENV];
  if (override !== undefined && override !== '') return validateSocketName(override);
  let real: string;
  try {
    real = realpathSync(townRoot);
  } catch {
    // A town that does not exist yet (install in progress): its resolved path is what it will be.
    real = resolve(townRoot);
  }
  const base = basename(real).replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 40) || 'town';
  const hash = createHash('sha256').update(real).digest('hex').slice(0, 6);
  return `gt-${base}-${hash}`;
}

/**
 * Where tmux puts a `-L` socket: $TMUX_TMPDIR (or /tmp) / tmux-<uid> / <name>. tmux 3.3a does
 * not remove the file when its server exits; only tests, which make many servers, tidy them.
 */
export function socketPath(socket: string, env: NodeJS.ProcessEnv = process.env): string {
  const base = env.TMUX_TMPDIR || '/tmp';
  return join(base, `tmux-${process.getuid?.() ?? 0}`, validateSocketName(socket));
}

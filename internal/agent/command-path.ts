import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { GtError } from '../errors.js';

/**
 * Where an agent's program is, found the way its shell would find it, but before the start: a
 * missing CLI is one clear error naming the PATH searched, instead of a pane that dies with a
 * bare "exit 127". The session then execs the absolute path, so what runs is what was checked.
 */

export class CommandNotFoundError extends GtError {
  readonly command: string;
  readonly searchPath: string;
  constructor(command: string, searchPath: string, runtime: string, why?: string) {
    super(
      'NOT_FOUND',
      why ? `${command} ${why}` : `${command} not found on the daemon's PATH (${searchPath || 'empty'})`,
      {
        hint: isAbsolute(command)
          ? `install it there, or change agents.${runtime}.command in settings/config.json`
          : `install it, start the daemon with a PATH that has it, or set agents.${runtime}.command to its absolute path in settings/config.json`,
      },
    );
    this.name = 'CommandNotFoundError';
    this.command = command;
    this.searchPath = searchPath;
  }
}

function isExecutableFile(p: string): boolean {
  try {
    if (!statSync(p).isFile()) return false;
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The absolute path of `command` on `searchPath` (a PATH string), or undefined. A command with a
 * slash is taken as a path (relative ones are refused: a session's directory is not gt's).
 * Symlinks are kept as found (a CLI may look at its argv[0]).
 */
export function findCommand(command: string, searchPath: string): string | undefined {
  if (command.includes('/')) return isAbsolute(command) && isExecutableFile(command) ? command : undefined;
  for (const dir of searchPath.split(delimiter)) {
    // An empty PATH entry means the current directory: never for an agent's program.
    if (!dir || !isAbsolute(dir)) continue;
    const p = join(dir, command);
    if (isExecutableFile(p)) return p;
  }
  return undefined;
}

/** Like findCommand, but a missing program is a CommandNotFoundError. */
export function resolveCommand(command: string, searchPath: string, runtime: string): string {
  if (command.includes('/') && !isAbsolute(command)) {
    throw new CommandNotFoundError(command, searchPath, runtime, 'is a relative path; give the absolute path');
  }
  const found = findCommand(command, searchPath);
  if (found) return found;
  throw new CommandNotFoundError(command, searchPath, runtime, isAbsolute(command) ? 'does not exist or is not executable' : undefined);
}

import type { StartContext } from './types.js';

/** POSIX single-quoting: safe for any string, including paths with spaces or quotes. */
export function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A command line for a CLI that runs hook commands through a shell. */
export function shellCommand(argv: readonly string[]): string {
  return argv.map(shq).join(' ');
}

/** The command a CLI's hook runs for `event`: gt's heartbeat hook script under /bin/sh (no Node). */
export function hookCommand(ctx: Pick<StartContext, 'hook'>, cli: string, event: string): string {
  return shellCommand(['/bin/sh', ctx.hook.script, cli, event]);
}

/** The same as an argv vector, for CLIs that exec a program directly (Codex's notify). */
export function hookArgv(ctx: Pick<StartContext, 'hook'>, cli: string, event: string): string[] {
  return ['/bin/sh', ctx.hook.script, cli, event];
}

import { createHash } from 'node:crypto';
import { InvalidInputError } from '../errors.js';
import { escapeFormat, shellQuote, tmuxQuote } from './quote.js';
import { tmuxFailure, type Tmux } from './run.js';

/**
 * The server-wide hooks that report a session's end. pane-died is deliberately absent: with
 * tmux 3.3a it misses many deaths (design section 4).
 */
export const DEATH_HOOKS = ['pane-exited', 'session-closed'] as const;
export type DeathHook = (typeof DEATH_HOOKS)[number];

/** Server user option holding a fingerprint of the installed hook command, to detect drift. */
export const HOOKS_OPTION = '@gt-hooks';

function validateArgv(argv: readonly string[]): void {
  if (argv.length === 0 || !argv[0]) throw new InvalidInputError('hook command is empty');
  for (const a of argv) {
    if (typeof a !== 'string') throw new InvalidInputError('hook command arguments must be strings');
    // A newline would end the tmux command that carries the hook; no path or name needs one.
    if (/[\x00-\x1f\x7f]/.test(a)) throw new InvalidInputError(`hook command argument contains a control character: ${JSON.stringify(a)}`);
  }
}

/**
 * The shell command a hook runs: the caller's argv, each word shell-quoted and format-escaped
 * (run-shell expands formats, so a '#' in a path must be doubled), followed by
 * `--event=<hook> --session=<name> --pane=<%id>`.
 *
 * What tmux 3.3a knows at fire time (measured): for session-closed, #{hook_session_name} is the
 * closed session; for pane-exited it is EMPTY and only #{hook_pane} names the pane (already gone,
 * and #{session_name} then names some other session, so it must not be used). When the last pane
 * of a session exits, session-closed follows with the name. The `--opt=value` form keeps an empty
 * value one word. Values come through `#{q:...}`, which tmux shell-escapes, and tmux stores
 * session names vis(3)-encoded (no raw newlines), so even a session someone else created on this
 * socket with a hostile name cannot inject into the command.
 */
export function hookShellCommand(commandArgv: readonly string[], hook: DeathHook): string {
  validateArgv(commandArgv);
  const words = commandArgv.map((a) => escapeFormat(shellQuote(a)));
  return [...words, `--event=${hook}`, '--session=#{q:hook_session_name}', '--pane=#{q:hook_pane}'].join(' ');
}

/** The tmux command stored in the hook: run the shell command in the background (-b). */
export function hookTmuxCommand(commandArgv: readonly string[], hook: DeathHook): string {
  return `run-shell -b ${tmuxQuote(hookShellCommand(commandArgv, hook))}`;
}

export function hooksFingerprint(commandArgv: readonly string[]): string {
  return createHash('sha256').update(JSON.stringify(['v1', ...commandArgv])).digest('hex').slice(0, 16);
}

/**
 * Install the death hooks globally on the town's server (replacing earlier ones) and record
 * their fingerprint. The server must be running (hooks live in it and die with it): install
 * after creating the first session, and again whenever the server's pid changes.
 * Returns the server pid the hooks were installed into.
 */
export async function installHooks(tmux: Tmux, commandArgv: readonly string[]): Promise<number | undefined> {
  const cmds: string[][] = DEATH_HOOKS.map((h) => ['set-hook', '-g', h, hookTmuxCommand(commandArgv, h)]);
  cmds.push(['set-option', '-g', HOOKS_OPTION, hooksFingerprint(commandArgv)]);
  // A server that exits with its last session never runs that session's hooks: a one-agent town
  // would lose its fast path. The town's server stays up empty; `gt down` kills it explicitly.
  cmds.push(['set-option', '-s', 'exit-empty', 'off']);
  cmds.push(['display-message', '-p', '#{pid}']);
  const r = await tmux.runSequence(cmds);
  const pid = Number(r.stdout.trim().split('\n').pop());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** Remove gt's hooks from the server. */
export async function removeHooks(tmux: Tmux): Promise<void> {
  await tmux.runSequence([...DEATH_HOOKS.map((h) => ['set-hook', '-gu', h]), ['set-option', '-gu', HOOKS_OPTION]]);
}

export interface HookStatus {
  /** Both hooks are set and the fingerprint matches this command. */
  installed: boolean;
  serverPid?: number;
  /** The server is not running: nothing to install into. */
  noServer: boolean;
}

/** Are our hooks installed, with this exact command, on the running server? One tmux call. */
export async function hookStatus(tmux: Tmux, commandArgv: readonly string[]): Promise<HookStatus> {
  const r = await tmux.runSequence(
    [['display-message', '-p', '#{pid}'], ['show-options', '-gqv', HOOKS_OPTION], ...DEATH_HOOKS.map((h) => ['show-hooks', '-g', h])],
    { allowFailure: true },
  );
  if (!r.ok) {
    if (/no server running|error connecting/.test(r.stderr)) return { installed: false, noServer: true };
    // A failure here is reported, not guessed around: the caller decides whether to retry.
    throw tmuxFailure(r, tmux.socket);
  }
  const lines = r.stdout.split('\n');
  const serverPid = Number(lines[0]);
  // An unset option prints nothing under -q, so the fingerprint line may be missing.
  const fp = lines.slice(1).find((l) => /^[0-9a-f]{16}$/.test(l)) ?? '';
  // A set hook prints as "pane-exited[0] run-shell ..."; an unset one as the bare name.
  const hooksSet = DEATH_HOOKS.every((h) => lines.some((l) => l.startsWith(`${h}[`)));
  return {
    installed: hooksSet && fp === hooksFingerprint(commandArgv),
    serverPid: Number.isInteger(serverPid) && serverPid > 0 ? serverPid : undefined,
    noServer: false,
  };
}

/**
 * Install the hooks unless they are already there with this command. Cheap enough to call on
 * every tick where the snapshot's server pid differs from the one recorded at the last install.
 */
export async function ensureHooks(tmux: Tmux, commandArgv: readonly string[]): Promise<HookStatus> {
  const st = await hookStatus(tmux, commandArgv);
  if (st.noServer || st.installed) return st;
  const pid = await installHooks(tmux, commandArgv);
  return { installed: true, serverPid: pid, noServer: false };
}

import { simpleGit, type SimpleGit, type SimpleGitOptions } from 'simple-git';
import { GtError, messageOf } from '../errors.js';

/**
 * The one way internal/rig runs git: simple-git (argv arrays, never a shell string) with an
 * environment that cannot hang on a credential prompt or be redirected by a caller's GIT_DIR.
 */

/** Variables that would point git at another repository than the directory we name. */
const SCRUBBED_ENV = ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY', 'GIT_COMMON_DIR', 'GIT_PREFIX'];

/** gt never opens an editor or a pager (merges use --no-edit, output is captured): drop them. */
const INTERACTIVE_ENV = ['EDITOR', 'GIT_EDITOR', 'GIT_SEQUENCE_EDITOR', 'PAGER', 'GIT_PAGER'];

/**
 * simple-git refuses to run when the environment holds variables that can run programs, unless
 * the matching "unsafe" flag is set. Those checks guard against untrusted input; here the
 * environment is the user's own (their ssh command, their askpass), and no argument gt builds
 * carries such settings, so a flag is enabled exactly when the user's environment has the variable.
 */
const ENV_FLAGS: Record<string, keyof NonNullable<SimpleGitOptions['unsafe']>> = {
  GIT_ASKPASS: 'allowUnsafeAskPass',
  SSH_ASKPASS: 'allowUnsafeAskPass',
  GIT_CONFIG_GLOBAL: 'allowUnsafeConfigPaths',
  GIT_CONFIG_SYSTEM: 'allowUnsafeConfigPaths',
  GIT_CONFIG: 'allowUnsafeConfigPaths',
  GIT_EXEC_PATH: 'allowUnsafeConfigPaths',
  PREFIX: 'allowUnsafeConfigPaths',
  GIT_CONFIG_COUNT: 'allowUnsafeConfigEnvCount',
  GIT_EXTERNAL_DIFF: 'allowUnsafeDiffExternal',
  GIT_PROXY_COMMAND: 'allowUnsafeGitProxy',
  GIT_TEMPLATE_DIR: 'allowUnsafeTemplateDir',
  GIT_SSH: 'allowUnsafeSshCommand',
  GIT_SSH_COMMAND: 'allowUnsafeSshCommand',
};

/**
 * Settings given to git through GIT_CONFIG_KEY_<n> that simple-git guards, by the flag that lets
 * them through (a trailing '.' means the key's prefix: `credential.<url>.helper` is credential.helper).
 * An agent CLI sets some in the shell it runs commands in: Gemini CLI gives every command
 * credential.helper, core.fsmonitor, core.hooksPath, core.sshCommand, core.pager, core.editor,
 * sequence.editor and diff.external (empty or `cat`: prompts and hooks off), so `gt done` run by a
 * Gemini agent would otherwise be refused. As with the variables above: the caller's own environment.
 */
const CONFIG_KEY_FLAGS: ReadonlyArray<[RegExp, keyof NonNullable<SimpleGitOptions['unsafe']>]> = [
  [/^alias\./, 'allowUnsafeAlias'],
  [/^core\.askpass$/, 'allowUnsafeAskPass'],
  [/^(core|sequence)\.editor$/, 'allowUnsafeEditor'],
  [/^core\.fsmonitor$/, 'allowUnsafeFsMonitor'],
  [/^core\.gitproxy$/, 'allowUnsafeGitProxy'],
  [/^core\.hookspath$/, 'allowUnsafeHooksPath'],
  [/^core\.pager$/, 'allowUnsafePager'],
  [/^core\.sshcommand$/, 'allowUnsafeSshCommand'],
  [/^credential\.(.+\.)?helper$/, 'allowUnsafeCredentialHelper'],
  [/^diff\.((.+\.)?command|external)$/, 'allowUnsafeDiffExternal'],
  [/^diff\.(.+\.)?textconv$/, 'allowUnsafeDiffTextConv'],
  [/^filter\.(.+\.)?(clean|smudge)$/, 'allowUnsafeFilter'],
  [/^gpg\.(.+\.)?program$/, 'allowUnsafeGpgProgram'],
  [/^init\.templatedir$/, 'allowUnsafeTemplateDir'],
  [/^(merge\.(.+\.)?driver|mergetool\.(.+\.)?(path|cmd))$/, 'allowUnsafeMergeDriver'],
];

/** The unsafe flags the caller's environment needs: its variables, and the keys it sets through GIT_CONFIG_KEY_<n>. */
function unsafeFlags(env: Readonly<Record<string, string>>): NonNullable<SimpleGitOptions['unsafe']> {
  const unsafe: NonNullable<SimpleGitOptions['unsafe']> = {};
  for (const [k, flag] of Object.entries(ENV_FLAGS)) if (env[k] !== undefined) unsafe[flag] = true;
  const count = Number(env.GIT_CONFIG_COUNT ?? 0);
  for (let i = 0; Number.isInteger(count) && i < Math.min(count, 1000); i++) {
    const key = (env[`GIT_CONFIG_KEY_${i}`] ?? '').trim().toLowerCase();
    for (const [re, flag] of CONFIG_KEY_FLAGS) if (re.test(key)) unsafe[flag] = true;
  }
  return unsafe;
}

/** Kill a git that prints nothing for this long (a stuck network clone, a lock it waits on). */
const BLOCK_TIMEOUT_MS = 300_000;

function gitEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !SCRUBBED_ENV.includes(k) && !INTERACTIVE_ENV.includes(k)) env[k] = v;
  }
  // A clone of a private URL must fail at once instead of waiting for a password nobody types.
  env.GIT_TERMINAL_PROMPT = '0';
  env.GCM_INTERACTIVE = 'never';
  return env;
}

/** `signal`: abandon the call (simple-git kills the running git) when it aborts. */
export function git(dir: string, config: string[] = [], opts: { signal?: AbortSignal } = {}): SimpleGit {
  const env = gitEnv();
  const unsafe = unsafeFlags(env);
  return simpleGit({ baseDir: dir, config, timeout: { block: BLOCK_TIMEOUT_MS }, unsafe, ...(opts.signal ? { abort: opts.signal } : {}) }).env(env);
}

/** A git failure as one line: git's own first "fatal:"/"error:" line, not its whole stderr. */
export class GitFailedError extends GtError {
  constructor(what: string, cause: unknown, hint?: string) {
    super('IO', `${what}: ${gitReason(cause)}`, { cause, hint });
    this.name = 'GitFailedError';
  }
}

export function gitReason(e: unknown): string {
  const lines = messageOf(e)
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const fatal = lines.find((l) => /^(fatal|error):/.test(l));
  return (fatal ?? lines[0] ?? 'git failed').replace(/^(fatal|error):\s*/, '');
}

/** Run a git step; any failure becomes a GitFailedError saying what we were doing. */
export async function gitStep<T>(what: string, fn: () => Promise<T>, hint?: string): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof GtError) throw e;
    throw new GitFailedError(what, e, hint);
  }
}

/** Does `ref` resolve to a commit? */
export async function refExists(g: SimpleGit, ref: string): Promise<boolean> {
  // simple-git does not reject on an exit status without stderr (which is how --quiet reports a
  // missing ref), so the answer is read from the output: a hash, or nothing.
  return (await g.raw(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`])).trim() !== '';
}

export async function revParse(g: SimpleGit, ref: string): Promise<string> {
  return (await g.raw(['rev-parse', '--verify', `${ref}^{commit}`])).trim();
}

/** Config key in the canonical clone that records the rig's main branch (set by `gt rig add`). */
export const MAIN_BRANCH_KEY = 'gt.mainbranch';

/**
 * The rig's main branch: what `gt rig add` recorded, else the remote's default branch
 * (origin/HEAD, set by clone), else the branch the clone has checked out.
 */
export async function mainBranch(clone: string): Promise<string> {
  const g = git(clone);
  const recorded = (await g.raw(['config', '--get', MAIN_BRANCH_KEY]).catch(() => '')).trim();
  if (recorded) return recorded;
  const originHead = (await g.raw(['symbolic-ref', '--quiet', '--short', 'refs/remotes/origin/HEAD']).catch(() => '')).trim();
  if (originHead.startsWith('origin/')) return originHead.slice('origin/'.length);
  const head = (await g.raw(['symbolic-ref', '--quiet', '--short', 'HEAD']).catch(() => '')).trim();
  if (head) return head;
  throw new GtError('NOT_FOUND', `cannot tell the main branch of ${clone}`, { hint: `set it with: git -C ${clone} config ${MAIN_BRANCH_KEY} <branch>` });
}

/**
 * `-c` options giving merges an author when the clone has none (a clone does not copy the
 * source's local user.name/email, and a fresh box may have no global identity). A configured
 * identity always wins: we only fill the gap.
 */
export async function identityConfig(clone: string, fallbackName: string, fallbackEmail: string): Promise<string[]> {
  const g = git(clone);
  const name = (await g.raw(['config', '--get', 'user.name']).catch(() => '')).trim();
  const email = (await g.raw(['config', '--get', 'user.email']).catch(() => '')).trim();
  const out: string[] = [];
  if (!name) out.push(`user.name=${fallbackName}`);
  if (!email) out.push(`user.email=${fallbackEmail}`);
  return out;
}

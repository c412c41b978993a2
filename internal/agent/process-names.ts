/**
 * How a runtime's process names match a process (its comm, argv[0]'s basename, or the script an
 * interpreter runs). A name is one of:
 *   - an exact name:        `claude`, `gt-sim`, or an absolute program or script path
 *   - a simple glob:        `python3*`, `agent-?` (`*` any run of characters, `?` one character)
 *   - the version token:    `<version>`, a bare version number such as `2.1.197` (what Claude
 *                           Code's process calls itself)
 * Nothing else: no user regular expressions, so a settings file can neither throw at match time
 * (`/[/`) nor stall the daemon on a catastrophic pattern (`/^(a+)+$/`). Matching is linear-time
 * in practice (glob matching backtracks only to the last `*`). The grammar a settings file may
 * use is PROCESS_NAME_RE in config/schema-helpers.ts; anything else here is taken literally.
 */

export const VERSION_TOKEN = '<version>';
const VERSION_RE = /^\d+\.\d+\.\d+([-.+][0-9A-Za-z.-]+)?$/;

/** The kernel cuts comm to 15 bytes: `a-long-agent-name` shows as `a-long-agent-na`. */
const COMM_BYTES = 15;

export type NameMatcher = (candidate: string) => boolean;

function isGlob(name: string): boolean {
  return name.includes('*') || name.includes('?');
}

/** Glob match without regular expressions: `*` any run (also empty), `?` exactly one character. */
export function globMatches(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    if (p < pattern.length && (pattern[p] === '?' || (pattern[p] !== '*' && pattern[p] === text[t]))) {
      p++;
      t++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      mark = t;
    } else if (star >= 0) {
      p = star + 1;
      t = ++mark;
    } else return false;
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

/** Compile a runtime's process names into one predicate. */
export function compileProcessNames(names: readonly string[]): NameMatcher {
  const exact = new Set<string>();
  const globs: string[] = [];
  let version = false;
  for (const n of names) {
    if (!n) continue;
    if (n === VERSION_TOKEN) version = true;
    else if (isGlob(n)) globs.push(n);
    else {
      exact.add(n);
      // A path is matched against argv and script paths, never against comm.
      if (!n.includes('/') && Buffer.byteLength(n) > COMM_BYTES) exact.add(Buffer.from(n).subarray(0, COMM_BYTES).toString('utf8'));
    }
  }
  return (c: string) => exact.has(c) || (version && VERSION_RE.test(c)) || globs.some((g) => globMatches(g, c));
}

/** Does a process name (comm, or argv[0]'s basename) match one of a runtime's process names? */
export function processNameMatches(processNames: readonly string[], name: string): boolean {
  return compileProcessNames(processNames)(name);
}

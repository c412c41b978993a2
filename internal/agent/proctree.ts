import { basename } from 'node:path';
import { descendantPids, readProcTable, type ProcInfo } from '../fsx/proc.js';
import type { NameMatcher } from './process-names.js';

export type ProcTable = ReadonlyMap<number, ProcInfo>;

/** Where liveness gets process trees from: a table already read, or a function that reads one. */
export type ProcSource = ProcTable | (() => ProcTable);

export const defaultProcSource: () => ProcTable = readProcTable;

/** Programs whose first argument names the real program (`node /path/gt-sim`, `python3 x.py`). */
export const INTERPRETERS = new Set(['node', 'nodejs', 'bun', 'deno', 'python', 'python3', 'perl', 'ruby', 'sh', 'bash', 'dash', 'zsh']);

/** Shells: a pane where only these are left holds no agent. */
export const SHELLS = new Set(['bash', 'sh', 'zsh', 'fish', 'dash', 'ksh', 'mksh', 'tcsh', 'csh', 'ash', 'busybox', 'login', '-bash', '-sh', '-zsh', '-fish', '-dash']);

const INLINE_CODE = new Set(['-c', '-e', '--eval', '-p', '--print']);
/** Interpreter options whose value is the next argument (the `--opt=value` form needs nothing). */
const VALUE_OPTIONS = new Set(['--import', '--require', '-r', '--loader', '--experimental-loader', '--conditions', '-C', '--input-type', '--title', '--env-file', '-W', '-X']);

function stripScriptExt(name: string): string {
  return name.replace(/\.(m?js|cjs|ts|mts|py|sh|rb|pl)$/, '');
}

/**
 * The names a process goes by: comm, argv[0] (its basename, and its path when absolute), and for
 * interpreters the script (basename, basename without extension, and path when absolute): a
 * Node-based CLI is known by its script, never by `node`.
 */
export function processNamesOf(p: ProcInfo): string[] {
  const out = [p.comm];
  const argv0 = p.cmdline[0];
  if (argv0) out.push(basename(argv0));
  if (argv0?.startsWith('/')) out.push(argv0);
  const prog = basename(argv0 ?? p.comm);
  if (INTERPRETERS.has(prog) || INTERPRETERS.has(p.comm)) {
    // The script is the first argument that is not an option (`node --import tsx /x/gt-sim.ts`):
    // skip options and, for `--opt value` pairs, their values when they are not paths.
    for (let i = 1; i < p.cmdline.length; i++) {
      const a = p.cmdline[i]!;
      if (INLINE_CODE.has(a)) break; // inline code names no program
      if (a === '-m' && p.cmdline[i + 1]) {
        out.push(p.cmdline[i + 1]!); // python -m module: the module is the program
        break;
      }
      if (a.startsWith('-')) {
        if (VALUE_OPTIONS.has(a)) i++; // `--import tsx`: skip the option's value too
        continue;
      }
      const b = basename(a);
      out.push(b, stripScriptExt(b));
      if (a.startsWith('/')) out.push(a);
      break;
    }
  }
  return out;
}

export function processMatches(p: ProcInfo, match: NameMatcher): boolean {
  return processNamesOf(p).some(match);
}

/** The live (non-zombie) processes in the trees under `roots`. */
export function liveTree(table: ProcTable, roots: readonly number[]): ProcInfo[] {
  return descendantPids(table, roots)
    .map((pid) => table.get(pid)!)
    .filter((p) => p.state !== 'Z' && p.state !== 'X');
}

export function isShell(p: ProcInfo): boolean {
  return SHELLS.has(p.comm) || SHELLS.has(basename(p.cmdline[0] ?? ''));
}

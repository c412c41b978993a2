import { gtVersion as version } from '../fsx/package-root.js';
import { EXIT, GtError, UsageError, isGtError, messageOf } from '../errors.js';
import { oneLine } from '../safe-text.js';
import { COMMANDS, GROUP_SUMMARIES, type CommandEntry } from './registry.js';
import { formatHelp, parseCommandArgs } from './parse.js';
import type { CommandContext } from './spec.js';


/** How `gt --help` lists commands: the town's life first, agent-side commands after. */
const HELP_ORDER = [
  'install', 'up', 'down', 'status', 'agents', 'attach', 'nudge', 'daemon', 'estop', 'thaw', 'feed', 'dashboard', 'metrics', 'doctor',
  'rig', 'bead', 'sling', 'questions', 'answer', 'mail', 'mq', 'hook', 'done', 'handoff', 'ask', 'prime',
  'mayor', 'deacon', 'boot', 'witness', 'refinery', 'sim', 'modelserver',
];

function topHelp(): string {
  const lines = [
    'gt — a Gas Town-style orchestrator for AI coding agents in tmux sessions',
    '',
    'usage: gt <command> [options]',
    '',
    'commands:',
  ];
  const rows: Array<[string, string]> = [];
  const groups = new Set<string>();
  for (const c of COMMANDS) {
    if (c.path.length > 1) {
      if (!groups.has(c.path[0]!)) {
        groups.add(c.path[0]!);
        rows.push([c.path[0]!, GROUP_SUMMARIES[c.path[0]!] ?? '']);
      }
    } else rows.push([c.path[0]!, c.summary]);
  }
  const rank = (n: string) => (HELP_ORDER.indexOf(n) + HELP_ORDER.length + 1) % (HELP_ORDER.length + 1);
  rows.sort((a, b) => rank(a[0]) - rank(b[0]));
  const w = Math.max(...rows.map((r) => r[0].length));
  for (const [n, s] of rows) lines.push(`  ${n.padEnd(w)}  ${s}`);
  lines.push(
    '',
    "Run 'gt <command> --help' for a command's options.",
    'Global options: --town DIR (or GT_TOWN_ROOT), --help, --version.',
    'Exit codes: 0 ok, 1 error, 2 usage, 3 not running (status queries).',
  );
  return lines.join('\n');
}

function groupHelp(group: string): string {
  const subs = COMMANDS.filter((c) => c.path[0] === group && c.path.length > 1);
  const w = Math.max(...subs.map((c) => c.path.slice(1).join(' ').length));
  return [
    `usage: gt ${group} <command> [options]`,
    '',
    GROUP_SUMMARIES[group] ?? '',
    '',
    'commands:',
    ...subs.map((c) => `  ${c.path.slice(1).join(' ').padEnd(w)}  ${c.summary}`),
    '',
    `Run 'gt ${group} <command> --help' for a command's options.`,
  ].join('\n');
}

function resolve(argv: string[]): { entry: CommandEntry; rest: string[] } | { group: string; rest: string[] } | undefined {
  let best: CommandEntry | undefined;
  for (const c of COMMANDS) {
    if (c.path.every((p, i) => argv[i] === p) && (!best || c.path.length > best.path.length)) best = c;
  }
  if (best) return { entry: best, rest: argv.slice(best.path.length) };
  if (argv[0] && COMMANDS.some((c) => c.path[0] === argv[0] && c.path.length > 1)) return { group: argv[0], rest: argv.slice(1) };
  return undefined;
}

async function dispatch(argv: string[]): Promise<number> {
  if (argv.length === 0) {
    process.stderr.write(`${topHelp()}\n`);
    return EXIT.usage;
  }
  if (argv[0] === '--version' || argv[0] === '-V' || argv[0] === 'version') {
    process.stdout.write(`gt ${version()}\n`);
    return EXIT.ok;
  }
  if (argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    process.stdout.write(`${topHelp()}\n`);
    return EXIT.ok;
  }
  // Global --town may come before the command: gt --town DIR daemon status
  let townFlag: string | undefined;
  if (argv[0] === '--town' || argv[0]?.startsWith('--town=')) {
    townFlag = argv[0].includes('=') ? argv[0].slice('--town='.length) : argv[1];
    argv = argv.slice(argv[0].includes('=') ? 1 : 2);
    if (townFlag === undefined) throw new UsageError("option '--town' needs a directory");
  }
  const found = resolve(argv);
  if (!found) throw new UsageError(`unknown command ${JSON.stringify(argv[0])}`, "see 'gt --help'");
  if ('group' in found) {
    const wantsHelp = found.rest.length === 0 || found.rest[0] === '--help' || found.rest[0] === '-h';
    if (wantsHelp) {
      (found.rest.length === 0 ? process.stderr : process.stdout).write(`${groupHelp(found.group)}\n`);
      return found.rest.length === 0 ? EXIT.usage : EXIT.ok;
    }
    throw new UsageError(`unknown command "${found.group} ${found.rest[0]}"`, `see 'gt ${found.group} --help'`);
  }
  const name = found.entry.path.join(' ');
  if (KEEP_RUNNING_ON_EPIPE.has(name)) {
    process.stdout.off('error', onOutputError);
    process.stderr.off('error', onOutputError);
    // Output there is best effort: a closed pipe must not stop the supervisor or the agent.
    process.stdout.on('error', () => undefined);
    process.stderr.on('error', () => undefined);
  }
  const mod = await found.entry.load();
  const args = parseCommandArgs(mod.spec, found.rest, name);
  if (args.values.help) {
    process.stdout.write(`${formatHelp(mod.spec)}\n`);
    return EXIT.ok;
  }
  const flag = (args.values.town as string | undefined) ?? townFlag;
  let townRoot: string | undefined;
  const ctx: CommandContext = {
    args,
    townFlag: flag,
    json: Boolean(args.values.json),
    town: () => {
      if (townRoot === undefined) {
        // Imported here: commands that never need a town do not load discovery.
        townRoot = discover({ flag, env: process.env.GT_TOWN_ROOT });
      }
      return townRoot;
    },
    out: (line = '') => process.stdout.write(`${line}\n`),
    err: (line = '') => process.stderr.write(`${line}\n`),
    argv0: name,
  };
  try {
    const code = await mod.run(ctx);
    return code ?? EXIT.ok;
  } finally {
    if (process.env.GT_ROLE && !NO_TOUCH.has(name)) await touchCaller(ctx);
  }
}

/**
 * Not signs of an agent's life: long-running commands (their own loops refresh what they need),
 * `daemon notify`, which tmux's hooks run with whatever env started the server, and `handoff`,
 * which refreshes before it wakes the daemon (after that its session may be gone).
 */
const NO_TOUCH = new Set(['sim', 'modelserver', 'daemon run', 'daemon logs', 'feed', 'daemon notify', 'handoff']);

/**
 * Every gt command run inside an agent session is a sign of life: refresh the agent's bead
 * (updated_at) and heartbeat file. Best effort: a failure here must not change the outcome of
 * the command the agent ran, so it is reported on stderr and otherwise ignored.
 */
async function touchCaller(ctx: CommandContext): Promise<void> {
  try {
    const [{ touchAgent }, { townLayout }] = await Promise.all([import('../ledger/touch.js'), import('../town/layout.js')]);
    touchAgent(townLayout(ctx.town()), process.env);
  } catch (e) {
    process.stderr.write(`gt: warning: could not refresh this agent's heartbeat: ${isGtError(e) ? e.line : messageOf(e)}\n`);
  }
}

let discover: (o: { flag?: string; env?: string }) => string;

/**
 * A reader that goes away (`gt agents | head -1`) is not an error: end quietly with status 0,
 * as `head` expects. Not for the long-running daemon and sim, whose output is a log or a pane.
 */
function onOutputError(e: NodeJS.ErrnoException): void {
  if (e.code === 'EPIPE') process.exit(EXIT.ok);
  throw e;
}
const KEEP_RUNNING_ON_EPIPE = new Set(['daemon run', 'sim']);

export async function main(argv: string[]): Promise<number> {
  process.stdout.on('error', onOutputError);
  process.stderr.on('error', onOutputError);
  try {
    ({ discoverTown: discover } = await import('../town/discover.js'));
    return await dispatch(argv);
  } catch (e) {
    return report(e, argv.includes('--json'));
  }
}

/** The single place errors become messages and exit codes. */
export function report(e: unknown, json = false): number {
  if (isGtError(e)) {
    if (json) process.stdout.write(`${JSON.stringify({ error: e.toJSON() }, null, 2)}\n`);
    // Messages quote what a person or an agent typed: never raw control characters on a terminal.
    process.stderr.write(`gt: ${oneLine(e.line)}\n`);
    return e.exitCode;
  }
  const err = new GtError('IO', messageOf(e));
  if (json) process.stdout.write(`${JSON.stringify({ error: err.toJSON() }, null, 2)}\n`);
  process.stderr.write(`gt: ${oneLine(err.message)}\n`);
  if (process.env.GT_DEBUG && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
  return EXIT.error;
}

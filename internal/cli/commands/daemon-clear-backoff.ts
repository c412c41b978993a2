import type { CommandContext, CommandSpec } from '../spec.js';
import { GtError, UsageError, messageOf } from '../../errors.js';
import { lockExclusive } from '../../fsx/flock.js';
import { probeDaemon, verifyDaemon } from '../../daemon/probe.js';
import { agentRestart, clearBackoff, loadRestartState, saveRestartState, type AgentRestart } from '../../daemon/policy/index.js';
import { resolveAgent } from '../../session/resolve.js';
import { townLayout, type TownLayout } from '../../town/layout.js';
import { readRigs } from '../../town/rigs.js';
import { printJson } from '../output.js';

export const spec: CommandSpec = {
  usage: 'gt daemon clear-backoff <agent> | --all [--json] [--town DIR]',
  description:
    "Forget an agent's restart backoff and crash loop so the daemon tries it again now: clears daemon/restart_state.json for that agent (under the daemon's lock, so a running tick cannot overwrite it), then sends the verified daemon SIGUSR2, which runs a tick that reloads the file.",
  positionals: [{ name: 'agent', description: 'identity (deacon, myrig/witness, myrig/toast) or session name (hq-deacon)' }],
  options: {
    all: { type: 'boolean', description: 'clear every agent' },
    json: { type: 'boolean', description: 'print {cleared, not_found, daemon} as JSON' },
  },
  details: 'An agent without a restart record is reported and nothing changes. With no daemon running the cleared state applies when it starts.',
};

/** How long to wait for a tick that holds the restart state lock. */
const LOCK_TIMEOUT_MS = 30_000;

interface Cleared {
  agent: string;
  was: { restarts: number; backoff_until: string | null; crash_loop: string | null };
}

export interface DaemonNotice {
  notified: boolean;
  pid: number | null;
  reason?: string;
}

function describe(s: AgentRestart, now: number): Cleared['was'] {
  return {
    restarts: s.restarts.length,
    backoff_until: s.backoffUntil > now ? new Date(s.backoffUntil).toISOString() : null,
    crash_loop: s.crashLoop ? new Date(s.crashLoop.since).toISOString() : null,
  };
}

/** SIGUSR2 to the daemon, but only to a process proven to be this town's daemon. */
export async function signalDaemon(layout: TownLayout, signal: NodeJS.Signals): Promise<DaemonNotice> {
  const probe = await probeDaemon(layout);
  if (!probe.running) return { notified: false, pid: null, reason: 'daemon is not running' };
  const proof = verifyDaemon(layout, probe);
  if (typeof proof === 'string') return { notified: false, pid: probe.pid, reason: `not signalled: ${proof}` };
  try {
    process.kill(proof.pid, signal);
    return { notified: true, pid: proof.pid };
  } catch (e) {
    return { notified: false, pid: proof.pid, reason: messageOf(e) };
  }
}

export async function run(ctx: CommandContext): Promise<number> {
  const all = Boolean(ctx.args.values.all);
  const input = ctx.args.positionals[0];
  if (all && input) throw new UsageError('give an agent or --all, not both');
  if (!all && !input) throw new UsageError('which agent? (gt daemon clear-backoff <agent>, or --all)');
  if (ctx.args.positionals.length > 1) throw new UsageError(`unexpected argument ${JSON.stringify(ctx.args.positionals[1])}`);
  const layout = townLayout(ctx.town());

  // Resolve before locking: a typo should not wait for a tick. An agent of a removed rig can still
  // be named by its identity exactly as the restart state records it.
  let identity: string | undefined;
  let resolveError: GtError | undefined;
  if (input) {
    try {
      identity = resolveAgent(input, readRigs(layout)).identity;
    } catch (e) {
      if (!(e instanceof GtError)) throw e;
      resolveError = e;
    }
  }

  const lock = await lockExclusive(`${layout.restartState}.lock`, LOCK_TIMEOUT_MS);
  if (!lock) throw new GtError('LOCK_HELD', `daemon/restart_state.json is locked for more than ${LOCK_TIMEOUT_MS / 1000}s`, { hint: 'a daemon tick may be stuck; see gt daemon logs' });
  const now = Date.now();
  const cleared: Cleared[] = [];
  let notFound: string | undefined;
  try {
    const loaded = loadRestartState(layout.restartState);
    if (loaded.warning) ctx.err(`gt: warning: ${loaded.warning}`);
    const state = loaded.state;
    if (resolveError) {
      if (!Object.hasOwn(state.agents, input!)) throw resolveError;
      identity = input!;
    }
    const targets = identity !== undefined ? [identity] : Object.keys(state.agents).sort();
    for (const id of targets) {
      if (!Object.hasOwn(state.agents, id)) {
        notFound = id;
        continue;
      }
      cleared.push({ agent: id, was: describe(agentRestart(state, id), now) });
    }
    if (cleared.length > 0) saveRestartState(layout.restartState, clearBackoff(state, identity));
  } finally {
    lock.release();
  }

  const daemon: DaemonNotice = cleared.length > 0 ? await signalDaemon(layout, 'SIGUSR2') : { notified: false, pid: null, reason: 'nothing to clear' };
  if (ctx.json) {
    printJson({ cleared, not_found: notFound ?? null, daemon });
    return 0;
  }
  if (notFound !== undefined) ctx.out(`${notFound} has no restart record (the daemon has not restarted it); nothing to clear`);
  else if (cleared.length === 0) ctx.out('no agent has a restart record; nothing to clear');
  for (const c of cleared) {
    const was = [c.was.crash_loop ? `crash loop since ${c.was.crash_loop}` : '', c.was.backoff_until ? `backoff until ${c.was.backoff_until}` : '', `${c.was.restarts} restart${c.was.restarts === 1 ? '' : 's'} in window`]
      .filter(Boolean)
      .join(', ');
    ctx.out(`cleared ${c.agent} (was: ${was})`);
  }
  if (cleared.length > 0) {
    if (daemon.notified) ctx.out(`daemon (pid ${daemon.pid}) told to reload (SIGUSR2)`);
    else ctx.out(`daemon not told (${daemon.reason}); it reads the cleared state on its next tick`);
  }
  return 0;
}

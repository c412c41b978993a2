import { explainLiveness, inStartupGrace, type Liveness } from '../agent/liveness.js';
import { GtError, messageOf } from '../errors.js';
import { SessionExistsError, killSession, snapshot } from '../tmux/index.js';
import { loadLaunchContext } from './context.js';
import { describeStartFailure, launchAgent, runtimeFor, type LaunchContext } from './launch.js';
import type { AgentSpec } from './resolve.js';
import { supervisedRoleAgents } from './supervised.js';

export interface UpOutcome {
  session: string;
  identity: string;
  runtime: string;
  status: 'running' | 'started' | 'restarted' | 'failed';
  detail?: string;
}

/** Bring one agent's session to "running", leaving a live one alone. */
export async function ensureAgent(ctx: LaunchContext, spec: AgentSpec, liveness: string): Promise<UpOutcome> {
  const runtime = runtimeFor(ctx, spec);
  const base = { session: spec.session, identity: spec.identity, runtime: runtime.name };
  if (liveness === 'alive') return { ...base, status: 'running' };
  if (liveness === 'unknown') return { ...base, status: 'failed', detail: 'tmux could not be asked; nothing done' };
  let status: UpOutcome['status'] = 'started';
  if (liveness === 'zombie') {
    await killSession(ctx.tmux, spec.session);
    status = 'restarted';
  }
  try {
    const r = await launchAgent(ctx, spec);
    if (r.died) {
      return { ...base, status: 'failed', detail: describeStartFailure(r) };
    }
    return { ...base, status };
  } catch (e) {
    // Someone (the daemon, another gt up) started it between our look and our start.
    if (e instanceof SessionExistsError) return { ...base, status: 'running' };
    return { ...base, status: 'failed', detail: e instanceof GtError ? e.line : messageOf(e) };
  }
}

const STARTING_POLL_MS = 100;

/**
 * A session's liveness once it is past its startup grace. A young session that looks like a
 * zombie is being started by someone else (the daemon `gt up` just launched, another `gt up`):
 * wait for it to become alive or to outgrow the grace, instead of killing it mid-start.
 */
async function settledLiveness(ctx: LaunchContext, spec: AgentSpec, processNames: readonly string[]): Promise<Liveness> {
  const graceMs = ctx.settings.agents_health.startup_grace;
  let snap = await snapshot(ctx.tmux);
  for (;;) {
    const state = explainLiveness(snap, spec.session, processNames).state;
    if (state !== 'zombie' || !inStartupGrace(snap, spec.session, graceMs)) return state;
    await new Promise((r) => setTimeout(r, STARTING_POLL_MS));
    snap = await snapshot(ctx.tmux);
  }
}

/** `gt up` minus the daemon: every supervised role session running. */
export async function bringUp(town: string): Promise<UpOutcome[]> {
  const ctx = loadLaunchContext(town);
  const out: UpOutcome[] = [];
  for (const spec of supervisedRoleAgents(ctx.settings, ctx.daemonSettings, ctx.rigs)) {
    const rt = runtimeFor(ctx, spec);
    // A fresh look per agent: starting the ones before may take seconds, in which the daemon
    // may have started (or replaced) this one.
    out.push(await ensureAgent(ctx, spec, await settledLiveness(ctx, spec, rt.processNames)));
  }
  return out;
}

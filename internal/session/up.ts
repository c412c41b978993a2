import { explainLiveness } from '../agent/liveness.js';
import { GtError, messageOf } from '../errors.js';
import { SessionExistsError, killSession, snapshot } from '../tmux/index.js';
import { loadLaunchContext } from './context.js';
import { launchAgent, runtimeFor, type LaunchContext } from './launch.js';
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
      const how = r.exitStatus !== undefined ? `exited with status ${r.exitStatus}` : r.signal ? `was killed by signal ${r.signal}` : 'vanished';
      const last = r.output.trim().split('\n').filter(Boolean).at(-1);
      return { ...base, status: 'failed', detail: `${runtime.command} ${how}${last ? `: ${last}` : ''}` };
    }
    return { ...base, status };
  } catch (e) {
    // Someone (the daemon, another gt up) started it between our look and our start.
    if (e instanceof SessionExistsError) return { ...base, status: 'running' };
    return { ...base, status: 'failed', detail: e instanceof GtError ? e.line : messageOf(e) };
  }
}

/** `gt up` minus the daemon: every supervised role session running. */
export async function bringUp(town: string): Promise<UpOutcome[]> {
  const ctx = loadLaunchContext(town);
  const snap = await snapshot(ctx.tmux);
  const out: UpOutcome[] = [];
  for (const spec of supervisedRoleAgents(ctx.settings, ctx.daemonSettings, ctx.rigs)) {
    const rt = runtimeFor(ctx, spec);
    out.push(await ensureAgent(ctx, spec, explainLiveness(snap, spec.session, rt.processNames).state));
  }
  return out;
}

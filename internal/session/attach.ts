import { nudgeGuard } from '../agent/screens/index.js';
import { GtError } from '../errors.js';
import { attachSession, hasSession, nudge, Tmux, townSocketName } from '../tmux/index.js';
import { townLayout } from '../town/layout.js';
import { readRigs } from '../town/rigs.js';
import { loadLaunchContext } from './context.js';
import { runtimeFor } from './launch.js';
import { resolveAgent, type AgentSpec } from './resolve.js';

async function existingSession(town: string, input: string): Promise<{ tmux: Tmux; spec: AgentSpec }> {
  const spec = resolveAgent(input, readRigs(townLayout(town)));
  const tmux = new Tmux(townSocketName(town));
  if (!(await hasSession(tmux, spec.session))) {
    throw new GtError('NOT_FOUND', `${spec.identity} has no session (${spec.session} on tmux socket ${tmux.socket})`, {
      hint: "start the town's agents with 'gt up'",
    });
  }
  return { tmux, spec };
}

/** `gt attach`: the terminal joins the agent's session until the person detaches. */
export async function attachAgent(town: string, input: string): Promise<number> {
  const { tmux, spec } = await existingSession(town, input);
  if (!process.stdin.isTTY) {
    throw new GtError('INVALID_INPUT', 'gt attach needs a terminal', { hint: `from a script use: tmux -L ${tmux.socket} attach -t =${spec.session}` });
  }
  return attachSession(tmux, spec.session);
}

/**
 * `gt nudge`: type into the agent's prompt and press Enter, unless its screen is one only a person
 * may answer (trust, login, permission, ...): then NudgeRefusedError, and nothing was pressed.
 */
export async function nudgeAgent(town: string, input: string, text: string) {
  const { tmux, spec } = await existingSession(town, input);
  const r = await nudge(tmux, spec.session, text, { refuseAt: nudgeGuard(agentRuntimeName(town, spec)), who: spec.identity });
  return { session: spec.session, identity: spec.identity, ...r };
}

/** The runtime the town's settings give this agent; undefined when they cannot be read (then every recogniser guards it). */
function agentRuntimeName(town: string, spec: AgentSpec): string | undefined {
  try {
    return runtimeFor(loadLaunchContext(town), spec).name;
  } catch (e) {
    if (e instanceof GtError) return undefined;
    throw e;
  }
}

import { GtError } from '../errors.js';
import { attachSession, hasSession, nudge, Tmux, townSocketName } from '../tmux/index.js';
import { townLayout } from '../town/layout.js';
import { readRigs } from '../town/rigs.js';
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

export async function nudgeAgent(town: string, input: string, text: string) {
  const { tmux, spec } = await existingSession(town, input);
  const r = await nudge(tmux, spec.session, text);
  return { session: spec.session, identity: spec.identity, ...r };
}

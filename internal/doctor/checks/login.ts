import { join } from 'node:path';
import type { Runtime } from '../../agent/runtimes.js';
import { SCREEN_RECOGNISERS, type ScreenVerdict } from '../../agent/screens/index.js';
import type { DaemonSettings } from '../../config/daemon-settings.js';
import type { Settings } from '../../config/settings.js';
import type { RigsFile } from '../../config/town-files.js';
import { messageOf } from '../../errors.js';
import { runtimeFor } from '../../session/launch.js';
import { parseSessionName } from '../../session/names.js';
import { agentSpec, prefixesOf } from '../../session/resolve.js';
import { readBlockingScreens } from '../../session/screens.js';
import { oneLine, screenRows } from '../../agent/screens/text.js';
import { Tmux, snapshot, townSocketName } from '../../tmux/index.js';
import type { TownLayout } from '../../town/layout.js';
import type { CheckResult } from '../check.js';
import { probeLogin, type ProbeOutcome } from '../login-probe.js';

/**
 * Each runtime's login and first-run state, told by its blocking-screen recognisers
 * (internal/agent/screens): from the screen of an agent of it that runs in the town, else from a
 * probe (login-probe.ts) that starts its CLI briefly the way the daemon would and reads what it
 * shows. A login is a person's to do: nothing here has a --fix.
 */

/** What was seen of one runtime. */
export type LoginObservation =
  /** Agents of it running in the town, each with the blocking screen it shows (null: none; undefined: unreadable). */
  | { source: 'agents'; sessions: { session: string; verdict: ScreenVerdict | null | undefined }[] }
  | { source: 'probe'; command: string; home: string | undefined; outcome: ProbeOutcome }
  /** No agent of it runs and the probe was not asked for. */
  | { source: 'none' };

/** Screens an agent stops at before it can work: a person must finish them once. */
const FIRST_RUN = new Set(['login', 'api-key', 'trust', 'bypass-confirm']);

/** The last `n` non-blank rows of a screen (escapes and control characters gone), joined with " | ". */
function lastLines(text: string, n: number): string {
  return screenRows(text)
    .map((l) => l.trim())
    .filter((l) => l && !/^Pane is dead\b/.test(l))
    .slice(-n)
    .join(' | ');
}

/** The one line for a runtime from what was seen (pure: tested on its own). */
export function loginLine(name: string, obs: LoginObservation): CheckResult {
  const check = `login:${name}`;
  const byHand = (home: string | undefined) => `run ${name} once by hand as the daemon would (${home ? `HOME=${home}` : 'its HOME'}, the same env) and finish its sign-in and first-run screens`;
  if (obs.source === 'none') {
    return { check, status: 'warn', what: `cannot tell whether ${name} is logged in: no agent of it runs and the probe was skipped (--no-probe)`, hint: 'run gt doctor without --no-probe' };
  }
  if (obs.source === 'agents') {
    const blocked = obs.sessions.filter((s) => s.verdict && FIRST_RUN.has(s.verdict.kind));
    if (blocked.length) {
      const s = blocked[0]!;
      const more = blocked.length > 1 ? ` (and ${blocked.slice(1).map((b) => b.session).join(', ')})` : '';
      return { check, status: 'fail', what: `${s.session} is at ${s.verdict!.reason}${more}`, hint: `gt attach ${s.session} and finish it (a person's step; gt never answers it)` };
    }
    const limited = obs.sessions.find((s) => s.verdict?.kind === 'usage-limit');
    if (limited) return { check, status: 'warn', what: `logged in, but ${limited.session} is at ${limited.verdict!.reason}`, hint: 'wait for the reset, or change the account or plan' };
    const dialog = obs.sessions.find((s) => s.verdict?.kind === 'dialog');
    if (dialog) return { check, status: 'warn', what: `${dialog.session} is at ${dialog.verdict!.reason}: cannot tell its login state past it`, hint: `gt attach ${dialog.session} and answer it` };
    const read = obs.sessions.filter((s) => s.verdict !== undefined);
    if (!read.length) return { check, status: 'warn', what: `cannot read the screen of ${obs.sessions.map((s) => s.session).join(', ')}`, hint: 'gt doctor again, or gt attach to look' };
    const waiting = read.find((s) => s.verdict?.kind === 'permission');
    return {
      check,
      status: 'ok',
      what: `logged in and past its first-run screens: ${read.map((s) => s.session).join(', ')} ${read.length === 1 ? 'shows' : 'show'} no sign-in or first-run screen${waiting ? ` (${waiting.session} waits at ${waiting.verdict!.reason}; see gt agents)` : ''}`,
    };
  }
  const o = obs.outcome;
  const how = `${obs.command} started as the daemon would${obs.home ? ` (HOME=${obs.home})` : ''}`;
  switch (o.kind) {
    case 'prompt':
      return { check, status: 'ok', what: `logged in and past its first-run screens: ${how} reached its prompt` };
    case 'screen':
      if (FIRST_RUN.has(o.verdict.kind)) return { check, status: 'fail', what: `${how} stops at ${o.verdict.reason}`, hint: byHand(obs.home) };
      if (o.verdict.kind === 'usage-limit') return { check, status: 'warn', what: `logged in, but ${how} shows ${o.verdict.reason}`, hint: 'wait for the reset, or change the account or plan' };
      return { check, status: 'warn', what: `${how} stops at ${o.verdict.reason}: cannot tell its login state past it`, hint: byHand(obs.home) };
    case 'exited': {
      const end = o.status !== undefined ? `exited with status ${o.status}` : o.signal !== undefined ? `was killed by signal ${o.signal}` : 'ended';
      const out = lastLines(o.output, 6);
      return { check, status: 'fail', what: `${how} ${end} before its prompt${out ? `: ${oneLine(out, 400)}` : ''}`, hint: byHand(obs.home) };
    }
    case 'timeout': {
      const out = lastLines(o.screen, 3);
      return {
        check,
        status: 'warn',
        what: `cannot tell: ${how} showed neither its prompt nor a known screen within ${Math.round(o.ms / 1000)} s${out ? ` (last: ${oneLine(out, 200)})` : ''}`,
        hint: byHand(obs.home),
      };
    }
    case 'error':
      return { check, status: 'warn', what: `cannot tell: the login probe could not start ${obs.command}: ${oneLine(o.message, 300)}`, hint: byHand(obs.home) };
  }
}

export interface LoginContext {
  town: string;
  layout: TownLayout;
  settings: Settings;
  daemonSettings: DaemonSettings;
  rigs: RigsFile;
  /** The environment the daemon's agents inherit: the daemon's own (from /proc), else this process's. */
  inherited: Readonly<Record<string, string>>;
  probe: boolean;
}

/** The town's running sessions, by the runtime their agent uses. */
async function runningByRuntime(ctx: LoginContext): Promise<{ tmux: Tmux; sessions: Map<string, string[]> }> {
  const tmux = new Tmux(townSocketName(ctx.town));
  const out = new Map<string, string[]>();
  const snap = await snapshot(tmux);
  if (!snap.ok) return { tmux, sessions: out };
  const prefixes = prefixesOf(ctx.rigs);
  for (const s of snap.sessions) {
    const ref = parseSessionName(s.name, prefixes);
    if (!ref || !s.panes.some((p) => !p.dead)) continue;
    try {
      const name = runtimeFor(ctx, agentSpec(ref, ctx.rigs)).name;
      out.set(name, [...(out.get(name) ?? []), s.name]);
    } catch {
      // A session whose runtime the settings cannot name is the runtimes check's to report.
    }
  }
  return { tmux, sessions: out };
}

/** One line per runtime (found on the PATH): sim needs none; probes run side by side, each bounded. */
export async function loginLines(ctx: LoginContext, runtimes: readonly Runtime[]): Promise<CheckResult[]> {
  let running: Awaited<ReturnType<typeof runningByRuntime>> | undefined;
  try {
    running = await runningByRuntime(ctx);
  } catch {
    running = undefined;
  }
  return Promise.all(
    runtimes.map(async (rt): Promise<CheckResult> => {
      const check = `login:${rt.name}`;
      if (rt.preset?.name === 'sim') return { check, status: 'ok', what: 'the sim needs no login' };
      // A preset's own recogniser; a custom runtime (a command gt does not know) has none to ask.
      if (rt.source !== 'preset' || !Object.prototype.hasOwnProperty.call(SCREEN_RECOGNISERS, rt.name)) {
        return {
          check,
          status: 'warn',
          what: `cannot tell whether ${rt.name} is logged in and past its first-run screens (gt has no screen recogniser for ${JSON.stringify(rt.command)})`,
          hint: `run ${rt.name} once by hand with the daemon's HOME and finish its login/onboarding`,
        };
      }
      const sessions = running?.sessions.get(rt.name) ?? [];
      if (sessions.length && running) {
        try {
          const verdicts = await readBlockingScreens(running.tmux, sessions.map((s) => ({ target: s, runtime: rt.name })));
          return loginLine(rt.name, { source: 'agents', sessions: sessions.map((s) => ({ session: s, verdict: verdicts.get(s) })) });
        } catch (e) {
          return { check, status: 'warn', what: `cannot read the screens of ${sessions.join(', ')}: ${messageOf(e)}`, hint: 'gt doctor again, or gt attach to look' };
        }
      }
      if (!ctx.probe) return loginLine(rt.name, { source: 'none' });
      // The daemon's agents look their program up on this PATH (launchAgent's agentSearchPath, with the daemon's own PATH).
      const searchPath = rt.env.PATH ?? ctx.daemonSettings.env.PATH ?? ctx.inherited.PATH ?? '/usr/local/bin:/usr/bin:/bin';
      // As probeEnv layers it: the runtime's env over daemon.json's over the inherited.
      const home = rt.env.HOME ?? ctx.daemonSettings.env.HOME ?? ctx.inherited.HOME;
      const outcome = await probeLogin({
        runtime: rt,
        inherited: ctx.inherited,
        daemonEnv: ctx.daemonSettings.env,
        searchPath,
        dir: join(ctx.layout.runtimeDir, 'doctor-probe', rt.name),
      });
      return loginLine(rt.name, { source: 'probe', command: rt.command, home, outcome });
    }),
  );
}

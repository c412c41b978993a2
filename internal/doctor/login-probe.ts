import { randomBytes } from 'node:crypto';
import { lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { planStart, type Runtime } from '../agent/runtimes.js';
import { atPrompt, recognizeScreen, type ScreenVerdict } from '../agent/screens/index.js';
import { messageOf } from '../errors.js';
import { Tmux, capturePane, createSession, killServer, killSession, shellQuote, shellQuoteArgv, socketPath, SESSION_MARKER_ENV, SOCKET_MARKER_ENV } from '../tmux/index.js';

/**
 * `gt doctor`'s login probe: start a runtime's CLI the way the daemon would (its program on the
 * daemon's PATH, the daemon's HOME and env, the preset's own flags: updater off, trust settled for
 * the directory, bypass mode) but with no first prompt, in a private tmux server of its own, and
 * read its screen until it shows a blocking screen (sign-in, API key, trust, ...) or its input
 * prompt, or exits, or the deadline passes. Nothing is ever typed into it. The server is killed
 * by its socket name on every path; the town's server and its agents are never touched.
 */

export type ProbeOutcome =
  /** A blocking screen, seen on two reads in a row. */
  | { kind: 'screen'; verdict: ScreenVerdict; screen: string }
  /** At its input prompt, nothing blocking, for the settle time. */
  | { kind: 'prompt' }
  /** The CLI ended before either; its last output lines. */
  | { kind: 'exited'; status?: number; signal?: number; output: string }
  /** Neither within the deadline: the last screen read. */
  | { kind: 'timeout'; ms: number; screen: string }
  /** The probe itself could not run (tmux, the plan). */
  | { kind: 'error'; message: string };

export interface ProbeInput {
  runtime: Runtime;
  /** The environment the daemon's agents inherit (its own, or this shell's when none runs), before settings. */
  inherited: Readonly<Record<string, string>>;
  /** settings/daemon.json `env`. */
  daemonEnv: Readonly<Record<string, string>>;
  /** The PATH the agent's program is looked up on (agentSearchPath). */
  searchPath: string;
  /** A directory gt owns for this runtime's probe (its cwd and generated files live under it). */
  dir: string;
  deadlineMs?: number;
  /** How long the prompt must show with nothing blocking before it counts. */
  settleMs?: number;
  pollMs?: number;
  /** Called with the probe's tmux socket name once chosen (tests check it is gone afterwards). */
  onSocket?: (socket: string) => void;
}

export const PROBE_DEADLINE_MS = 25_000;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Variables that would tie the probe to a town, a session or a tmux client: never passed on. */
const DROPPED = (k: string) => k.startsWith('GT_') || k === 'TMUX' || k === 'TMUX_PANE' || k === 'BD_ACTOR';
/**
 * Inherited only: a CI runner's CI=true makes a CLI started without a first prompt run
 * non-interactively (Gemini CLI exits 42, "No input provided via stdin"), and the probe, unlike
 * every agent the daemon starts, has no first prompt.
 */
const NOT_INHERITED = (k: string) => k === 'CI';

/** The probe's environment, layered as launchAgent does: inherited < PATH < daemon.json env < the runtime's and its plan's. */
export function probeEnv(input: Pick<ProbeInput, 'inherited' | 'daemonEnv' | 'searchPath'>, planned: Readonly<Record<string, string>>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.inherited)) if (ENV_NAME.test(k) && !DROPPED(k) && !NOT_INHERITED(k)) env[k] = v;
  env.PATH = input.searchPath;
  for (const layer of [input.daemonEnv, planned]) for (const [k, v] of Object.entries(layer)) if (ENV_NAME.test(k) && !DROPPED(k)) env[k] = v;
  return env;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Cleanups of the probes under way. A person who interrupts `gt doctor` (Ctrl-C, SIGTERM) must
 * not be left with a CLI running in a private server: the signal ends every probe first, then
 * the process, with the usual 128+signal status.
 */
const active = new Set<() => Promise<void>>();
function onSignal(signal: NodeJS.Signals): void {
  void Promise.allSettled([...active].map((f) => f())).finally(() => process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGHUP' ? 1 : 15)));
}
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
function track(cleanup: () => Promise<void>): () => void {
  if (active.size === 0) for (const s of SIGNALS) process.on(s, onSignal);
  active.add(cleanup);
  return () => {
    active.delete(cleanup);
    if (active.size === 0) for (const s of SIGNALS) process.off(s, onSignal);
  };
}

export async function probeLogin(input: ProbeInput): Promise<ProbeOutcome> {
  const deadlineMs = input.deadlineMs ?? PROBE_DEADLINE_MS;
  const settleMs = input.settleMs ?? 1_500;
  const pollMs = input.pollMs ?? 250;
  const rt = input.runtime;
  const cwd = join(input.dir, 'work');
  const stateDir = join(input.dir, 'state');
  let command: string;
  try {
    mkdirSync(cwd, { recursive: true });
    const planEnv = probeEnv(input, {});
    const planned = planStart(rt, {
      town: input.dir,
      role: 'mayor',
      identity: 'doctor-probe',
      session: 'gt-doctor-probe',
      cwd,
      stateDir,
      env: planEnv,
      instructions: '',
      uid: process.getuid?.() ?? 1000,
      searchPath: input.searchPath,
    });
    const env = probeEnv(input, planned.env);
    // Exactly this environment (env -i), not the private server's: the pane's TERM is kept. The
    // markers let killSession find a child that left the pane's process tree.
    const pairs = Object.keys(env)
      .sort()
      .map((k) => shellQuote(`${k}=${env[k]}`));
    command = `exec /usr/bin/env -i TERM="$TERM" ${SESSION_MARKER_ENV}="$${SESSION_MARKER_ENV}" ${SOCKET_MARKER_ENV}="$${SOCKET_MARKER_ENV}" ${pairs.join(' ')} ${shellQuoteArgv(planned.argv)}`;
  } catch (e) {
    return { kind: 'error', message: messageOf(e) };
  }

  const socket = `gt-doctor-probe-${process.pid}-${randomBytes(4).toString('hex')}`;
  input.onSocket?.(socket);
  const tmux = new Tmux(socket);
  const session = 'probe';
  const started = Date.now();
  const deadline = started + deadlineMs;
  let outcome: ProbeOutcome | undefined;
  let last = '';
  let cleaned: Promise<void> | undefined;
  // Once, from whichever comes first: the probe's end or a signal.
  const cleanup = () =>
    (cleaned ??= (async () => {
      // The CLI's whole tree (SIGTERM, then SIGKILL: Gemini CLI outlives the server's SIGHUP),
      // then the private server, by its name.
      await killSession(tmux, session, { graceMs: 1_500 }).catch(() => undefined);
      await killServer(tmux).catch(() => undefined);
      // tmux 3.3a leaves its socket file behind; a doctor run should not litter one per probe.
      const path = socketPath(socket);
      try {
        if (lstatSync(path).isSocket()) unlinkSync(path);
      } catch {
        // Never created, or already gone.
      }
    })());
  const untrack = track(cleanup);
  try {
    // The poller reads the screen while createSession watches the pane (remain-on-exit on until
    // `readyWhen` says the poller is done, so a CLI that exits leaves its last words readable).
    let stop = false;
    const poll = (async () => {
      let prev: ScreenVerdict | null = null;
      let promptSince: number | undefined;
      while (!stop && Date.now() < deadline) {
        await sleep(pollMs);
        let text: string;
        try {
          text = await capturePane(tmux, session, { join: true });
        } catch {
          continue; // not created yet, or gone (createSession reports the death)
        }
        if (/^Pane is dead\b/m.test(text)) return;
        last = text;
        const v = recognizeScreen(rt.name, text);
        if (v) {
          if (prev && prev.kind === v.kind) {
            outcome = { kind: 'screen', verdict: v, screen: text };
            return;
          }
          prev = v;
          promptSince = undefined;
          continue;
        }
        prev = null;
        if (atPrompt(rt.name, text)) {
          promptSince ??= Date.now();
          if (Date.now() - promptSince >= settleMs) {
            outcome = { kind: 'prompt' };
            return;
          }
        } else promptSince = undefined;
      }
    })().finally(() => {
      stop = true;
    });
    const created = await createSession(tmux, {
      name: session,
      cwd,
      command,
      width: 200,
      height: 50,
      healthWindowMs: 300,
      pollMs: 100,
      readyWhen: () => stop,
      readyTimeoutMs: deadlineMs,
    }).catch((e: unknown) => ({ error: messageOf(e) }));
    stop = true;
    await poll;
    if ('error' in created) return { kind: 'error', message: created.error };
    if (outcome) return outcome;
    if (created.died) return { kind: 'exited', ...(created.exitStatus !== undefined ? { status: created.exitStatus } : {}), ...(created.signal !== undefined ? { signal: created.signal } : {}), output: created.output };
    return { kind: 'timeout', ms: Date.now() - started, screen: last };
  } finally {
    await cleanup();
    untrack();
  }
}

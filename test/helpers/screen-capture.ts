/**
 * Runs one screen scenario (test/helpers/screen-scenarios.ts) with the real CLI in a tmux session
 * of a private server: a fresh HOME and project directory, a clean environment, fixed terminal
 * size, and every wait bounded. Used by scripts/capture-screens.ts (to record fixtures) and by the
 * live screen tests (to bring a CLI to a blocking screen and leave it there).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { SESSION_MARKER_ENV, SOCKET_MARKER_ENV, capturePane, createSession, killSession, sendKey, sendKeys, type Tmux } from '../../internal/tmux/index.js';
import type { ScreenKind } from '../../internal/agent/screens/index.js';
import { startFixtureModel, type FixtureModel, type FixtureModelSettings } from './fixture-model.js';
import { cliBin, type Scenario, type Step } from './screen-scenarios.js';

export interface Captured {
  screen: string;
  expect: ScreenKind | null;
  note: string;
  /** The pane's text as `capture-pane -p -J` gave it, trailing spaces removed. */
  text: string;
  capturedAt: number;
  width: number;
  height: number;
  /** What the fixture model answered at the time (usage limits: resetInSeconds). */
  model: FixtureModelSettings;
}

export interface ScenarioRun {
  session: string;
  /** The run's own fixture model (runs side by side must not share one); close it when done. */
  model: FixtureModel;
  home: string;
  cwd: string;
  /** The argv and env the CLI ran with. */
  argv: string[];
  env: Record<string, string>;
  /** The files the scenario wrote in HOME before the CLI started (path relative to HOME -> text). */
  files: Record<string, string>;
  captures: Captured[];
}

export interface RunScenarioOptions {
  tmux: Tmux;
  scenario: Scenario;
  /** A fresh directory for this run's HOME and project. */
  dir: string;
  session: string;
  width: number;
  height: number;
  /** Stop after recording this screen, leaving the CLI running at it. */
  stopAfter?: string;
  /** Default bound for each waitFor step. */
  timeoutMs?: number;
  log?: (line: string) => void;
}

/** The pane text the recognisers see: joined wrapped lines, trailing spaces removed. */
export async function screenText(tmux: Tmux, session: string): Promise<string> {
  const raw = await capturePane(tmux, session, { join: true });
  return raw
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n');
}

async function waitForScreen(tmux: Tmux, session: string, re: RegExp, timeoutMs: number, unless?: RegExp): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    last = await screenText(tmux, session);
    if (re.test(last) && !unless?.test(last)) return last;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${re}${unless ? ` without ${unless}` : ''} in session ${session}; the screen was:\n${last}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The screen once it stops changing (or after a bound: animated screens never stop). */
async function settledScreen(tmux: Tmux, session: string, boundMs = 4_000): Promise<string> {
  const deadline = Date.now() + boundMs;
  let prev = await screenText(tmux, session);
  for (;;) {
    await new Promise((r) => setTimeout(r, 400));
    const cur = await screenText(tmux, session);
    if (cur === prev || Date.now() > deadline) return cur;
    prev = cur;
  }
}

/**
 * Run a scenario's steps. The run's fixture model stays up (in `run.model`) so a CLI left at a
 * screen keeps its server; the caller closes it. On failure everything the run started except the
 * tmux session is closed (the caller owns the server).
 */
export async function runScenario(opts: RunScenarioOptions): Promise<ScenarioRun> {
  const model = await startFixtureModel();
  try {
    return await runWith(opts, model);
  } catch (e) {
    await model.close();
    throw e;
  }
}

async function runWith(opts: RunScenarioOptions, model: FixtureModel): Promise<ScenarioRun> {
  const { tmux, scenario } = opts;
  const log = opts.log ?? (() => {});
  const home = join(opts.dir, 'home');
  const project = join(opts.dir, 'project');
  mkdirSync(home, { recursive: true });
  mkdirSync(project, { recursive: true });
  // The CLIs key trust and project settings by the real path.
  const cwd = realpathSync(project);
  if (scenario.git) {
    const g = spawnSync('git', ['init', '-q', cwd], { encoding: 'utf8' });
    if (g.status !== 0) throw new Error(`git init ${cwd} failed: ${g.stderr}`);
  }
  model.set({ behaviour: 'text', text: 'Done.', resetInSeconds: 3 * 3600, ...scenario.model });
  const { env, args } = scenario.prepare({ home, cwd, model });
  const files = filesUnder(home);
  // A clean environment: nothing of this process (its HOME, any real API key) reaches the CLI.
  // gt's session markers stay, so killSession finds what the CLI started in the background.
  const markers = { [SESSION_MARKER_ENV]: opts.session, [SOCKET_MARKER_ENV]: tmux.socket };
  const argv = ['/usr/bin/env', '-i', ...Object.entries({ ...env, ...markers }).map(([k, v]) => `${k}=${v}`), cliBin(scenario.cli), ...args];
  const created = await createSession(tmux, { name: opts.session, cwd, command: argv, width: opts.width, height: opts.height, healthWindowMs: 300 });
  if (created.died) throw new Error(`${scenario.cli} exited at once (status ${created.exitStatus ?? '?'}): ${created.output}`);
  const run: ScenarioRun = { session: opts.session, model, home, cwd, argv: [cliBin(scenario.cli), ...args], env, files, captures: [] };
  for (const step of scenario.steps) {
    await runStep(step);
    if ('capture' in step && step.capture === opts.stopAfter) break;
  }
  return run;

  async function runStep(step: Step): Promise<void> {
    if ('waitFor' in step) {
      await waitForScreen(tmux, opts.session, step.waitFor, step.timeoutMs ?? opts.timeoutMs ?? 60_000, step.unless);
    } else if ('type' in step) {
      await sendKeys(tmux, opts.session, step.type);
      await waitForScreen(tmux, opts.session, new RegExp(escapeRe(step.type.slice(-12))), 10_000).catch(() => undefined);
      // TUIs read a burst of keys as a paste (Codex by the gaps between them): an Enter that
      // follows too closely becomes a newline in the paste. A fixed pause, not a wait for a
      // condition: there is nothing on the screen that says the paste window has closed.
      await new Promise((r) => setTimeout(r, 600));
    } else if ('key' in step) {
      await sendKey(tmux, opts.session, step.key);
    } else if ('model' in step) {
      model.set(step.model);
    } else {
      const text = await settledScreen(tmux, opts.session);
      run.captures.push({ screen: step.capture, expect: step.expect, note: step.note, text, capturedAt: Date.now(), width: opts.width, height: opts.height, model: model.settings });
      log(`captured ${scenario.cli}/${step.capture} (${opts.width}x${opts.height})`);
    }
  }
}

/** The small text files under a directory (the config a scenario wrote), by relative path. */
function filesUnder(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && statSync(p).size <= 16 * 1024) out[relative(dir, p)] = readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** End a run: the CLI's whole process tree (background helpers included), then its model. */
export async function stopRun(tmux: Tmux, run: ScenarioRun): Promise<void> {
  try {
    await killSession(tmux, run.session);
  } finally {
    await run.model.close();
  }
}

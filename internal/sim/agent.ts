import { createInterface } from 'node:readline';
import { townLayout } from '../town/layout.js';
import { messageOf } from '../errors.js';
import { writeHeartbeatFile, type HeartbeatFile } from './heartbeat.js';
import type { SimOptions } from './options.js';
import { parseRunRequest, runGt } from './run-gt.js';
import { spawnSetsidChild } from './setsid-child.js';
import { idleWork, type WorkContext, type WorkHook, type WorkStatus } from './work.js';

export interface SimIo {
  input: NodeJS.ReadableStream;
  write(text: string): void;
}

const defaultIo = (): SimIo => ({
  input: process.stdin,
  write: (t) => {
    process.stdout.write(t);
  },
});

/**
 * The simulated agent: a real long-running program that behaves enough like an AI agent in a
 * tmux pane for the daemon and the tests. It never resolves; it ends by process.exit (a knob,
 * an `exit` line) or a signal.
 */
export function runSim(opts: SimOptions, work: WorkHook = idleWork, io: SimIo = defaultIo()): Promise<never> {
  // A pane that closes makes stdout writes fail with EIO; the sim must keep running (e.g. with
  // GT_SIM_IGNORE_SIGHUP) rather than die of an unhandled stream error.
  process.stdout.on('error', () => undefined);
  process.stderr.on('error', () => undefined);

  const prompt = `gt-sim [${opts.identity}]> `;
  const say = (line: string) => io.write(`${line}\n`);

  if (opts.exitCode !== undefined) {
    say(`gt-sim: exiting with status ${opts.exitCode} (GT_SIM_EXIT_CODE)`);
    process.exit(opts.exitCode);
  }

  if (opts.ignoreSighup) {
    process.on('SIGHUP', () => say('gt-sim: ignoring SIGHUP (GT_SIM_IGNORE_SIGHUP)'));
  }

  const heartbeatPath = townLayout(opts.town).heartbeatFile(opts.session);
  let childPid: number | undefined;
  if (opts.setsidChild) {
    childPid = spawnSetsidChild(opts.childLifetimeMs);
    say(`gt-sim: started setsid child ${childPid} (GT_SIM_SETSID_CHILD)`);
  }

  let hung = false;
  let status: WorkStatus = { state: 'starting' };
  let busy = 0; // nudged commands in flight: reported as "working"
  let written: string | undefined; // the state last written
  let since = new Date().toISOString(); // when that state began

  /**
   * Report like a real agent's hooks do: every sign of progress is written (its time is the
   * heartbeat's timestamp); a state that did not change and made no progress is not, so an agent
   * idle at its prompt keeps the time it went idle.
   */
  const beat = (progress: boolean) => {
    if (hung) return;
    const state = busy > 0 && (status.state === 'idle' || status.state === 'starting') ? 'working' : status.state;
    if (!progress && state === written) return;
    const now = new Date().toISOString();
    if (state !== written) since = now;
    written = state;
    const hb: HeartbeatFile = {
      timestamp: now,
      state,
      since,
      ...(status.bead ? { bead: status.bead } : {}),
      pid: process.pid,
      ...(childPid ? { child_pid: childPid } : {}),
    };
    try {
      writeHeartbeatFile(heartbeatPath, hb);
    } catch (e) {
      // A full disk or a removed town must not kill the agent; the stale heartbeat will show it.
      say(`gt-sim: cannot write heartbeat ${heartbeatPath}: ${messageOf(e)}`);
    }
  };

  // Commands the sim runs act on its own town, whatever the cwd.
  const gtEnv = { ...process.env, GT_TOWN_ROOT: opts.town };
  const ctx: WorkContext = {
    town: opts.town,
    role: opts.role,
    rig: opts.rig,
    name: opts.name,
    identity: opts.identity,
    session: opts.session,
    runGt: (args) => runGt(args, { env: gtEnv }),
    say,
  };

  let working = false;
  const step = async () => {
    if (hung || working) return;
    working = true;
    try {
      status = await work(ctx);
    } catch (e) {
      say(`gt-sim: work step failed: ${messageOf(e)}`);
      status = { state: 'stuck', ...(status.bead ? { bead: status.bead } : {}) };
    } finally {
      working = false;
    }
    beat(status.progress ?? status.state === 'working');
  };

  const hang = () => {
    if (hung) return;
    hung = true;
    say('gt-sim: hanging (GT_SIM_HANG): no more heartbeats or answers');
  };

  say(`gt-sim: ${opts.identity} in session ${opts.session} (town ${opts.town})`);
  beat(true);
  if (opts.hangAfterMs === 0) hang();
  else if (opts.hangAfterMs !== undefined) setTimeout(hang, opts.hangAfterMs);

  if (opts.crashAfterMs !== undefined) {
    setTimeout(() => {
      say('gt-sim: crashing (GT_SIM_CRASH_AFTER)');
      process.exit(1);
    }, opts.crashAfterMs);
  }

  // The interval keeps the process alive even when stdin closes (a sim without a terminal).
  setInterval(() => void step(), opts.heartbeatIntervalMs);
  void step();

  // Lines are handled one at a time so command output never interleaves.
  let queue = Promise.resolve();
  const rl = createInterface({ input: io.input, terminal: false });
  rl.on('line', (raw) => {
    queue = queue.then(() => handleLine(raw));
  });
  rl.on('close', () => undefined); // stdin closed: keep running, the heartbeat keeps the process up

  const handleLine = async (raw: string): Promise<void> => {
    if (hung) return;
    const line = raw.trim();
    if (line === '') {
      io.write(prompt);
      return;
    }
    say(`received: ${line}`);
    const exit = /^exit(?:\s+(\d{1,3}))?$/.exec(line);
    if (exit) {
      const code = Math.min(255, Number(exit[1] ?? 0));
      say(`gt-sim: exiting with status ${code}`);
      process.exit(code);
    }
    let args: string[] | undefined;
    try {
      args = parseRunRequest(line);
    } catch (e) {
      say(`gt-sim: cannot run that: ${messageOf(e)}`);
    }
    if (args) {
      busy++;
      beat(true);
      try {
        const r = await runGt(args, { env: gtEnv });
        if (r.stdout) io.write(r.stdout.endsWith('\n') ? r.stdout : `${r.stdout}\n`);
        if (r.stderr) io.write(r.stderr.endsWith('\n') ? r.stderr : `${r.stderr}\n`);
        say(`gt-sim: gt ${args.join(' ')} exited ${r.code}`);
      } catch (e) {
        say(`gt-sim: gt ${args.join(' ')} failed: ${messageOf(e)}`);
      } finally {
        busy--;
        beat(true);
      }
    }
    if (!hung) io.write(prompt);
  };

  if (!hung) io.write(prompt);
  return new Promise<never>(() => undefined);
}

/**
 * The sim agent as a real process: the built CLI (`node dist/cmd/gt/main.js sim`) against a
 * temp town. Every process started here is recorded and killed by pid at the end.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GT_BIN, makeTown, waitFor, type TempTown } from '../helpers/town.js';
import { heartbeatFileSchema, type HeartbeatFile } from '../../internal/sim/heartbeat.js';
import { pidRunning } from '../../internal/fsx/proc.js';
import { gtVersion } from '../../internal/fsx/package-root.js';

const INTERVAL = '200ms';
const started: number[] = [];
let town: TempTown;

interface Sim {
  child: ChildProcessWithoutNullStreams;
  pid: number;
  out(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  send(line: string): void;
  waitOut(what: string | RegExp, timeoutMs?: number): Promise<void>;
}

function startSim(env: Record<string, string>, session = `hq-deacon`): Sim {
  const child = spawn(process.execPath, [GT_BIN, 'sim'], {
    env: {
      ...process.env,
      NO_COLOR: '1',
      GT_TOWN_ROOT: town.root,
      GT_ROLE: 'deacon',
      GT_SESSION: session,
      GT_SIM_HEARTBEAT_INTERVAL: INTERVAL,
      // These tests are about the sim's own machinery; its role work (gt commands that also
      // refresh the heartbeat) is covered by the sling flow e2e test.
      GT_SIM_WORK: '0',
      ...env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error('sim did not start');
  started.push(child.pid);
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })));
  return {
    child,
    pid: child.pid,
    out: () => out,
    exited,
    send: (line) => child.stdin.write(`${line}\n`),
    waitOut: async (what, timeoutMs = 20_000) => {
      await waitFor(`sim output ${String(what)} (have: ${JSON.stringify(out.slice(-500))})`, () =>
        typeof what === 'string' ? out.includes(what) : what.test(out),
      timeoutMs);
    },
  };
}

const hbPath = (session: string) => join(town.root, '.runtime', 'heartbeats', `${session}.json`);

function readHeartbeat(session: string): HeartbeatFile | undefined {
  try {
    return heartbeatFileSchema.parse(JSON.parse(readFileSync(hbPath(session), 'utf8')));
  } catch {
    return undefined;
  }
}

/** Session id (field 6 of /proc/<pid>/stat). */
function sid(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3]);
}

async function stop(sim: Sim): Promise<void> {
  if (sim.child.exitCode === null && sim.child.signalCode === null) sim.child.kill('SIGKILL');
  await sim.exited;
}

test.before(async () => {
  if (!existsSync(GT_BIN)) throw new Error(`build first (make build): ${GT_BIN} is missing`);
  town = await makeTown({ agent: 'sim' });
});

test.after(async () => {
  for (const pid of started) {
    try {
      if (pidRunning(pid)) process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  await town?.cleanup();
});

test('a working sim refreshes its heartbeat file at every sign of progress; comm is gt-sim', async () => {
  const sim = startSim({ GT_SIM_WORK: 'busy' }, 'hq-deacon');
  try {
    const first = await waitFor('first heartbeat', () => readHeartbeat('hq-deacon'));
    assert.is(first.pid, sim.pid);
    assert.is(first.child_pid, undefined);
    // Several refreshes, each with a newer timestamp, each saying it is working.
    let last = first.timestamp;
    for (let i = 0; i < 3; i++) {
      last = await waitFor(`heartbeat refresh ${i + 1}`, () => {
        const hb = readHeartbeat('hq-deacon');
        return hb && hb.timestamp > last && hb.state === 'working' ? hb.timestamp : undefined;
      });
    }
    assert.is(readFileSync(`/proc/${sim.pid}/comm`, 'utf8').trim(), 'gt-sim');
    assert.is(readFileSync(`/proc/${sim.pid}/cmdline`, 'utf8').split('\0')[0], 'gt-sim');
    await sim.waitOut('gt-sim [deacon]> ');
  } finally {
    await stop(sim);
  }
});

test('an idle sim says so once and keeps the time it went idle (no progress is not refreshed); work makes it working', async () => {
  const idle = startSim({}, 'hq-idle');
  const busy = startSim({ GT_SIM_WORK: 'busy' }, 'hq-busy');
  try {
    const went = await waitFor('the idle report', () => {
      const hb = readHeartbeat('hq-idle');
      return hb?.state === 'idle' ? hb : undefined;
    });
    // Over several of its cycles (measured against a sim that reports progress every cycle) the
    // idle sim's report stays as it was: idle since `went.timestamp`.
    let seen = (await waitFor('busy heartbeat', () => readHeartbeat('hq-busy'))).timestamp;
    for (let i = 0; i < 3; i++) {
      seen = await waitFor(`busy refresh ${i + 1}`, () => {
        const hb = readHeartbeat('hq-busy');
        return hb && hb.timestamp > seen ? hb.timestamp : undefined;
      });
    }
    assert.equal(readHeartbeat('hq-idle'), went);
    // A nudged command is a turn: working while it runs, then idle again (a new idle since).
    idle.send('run: gt --version');
    await idle.waitOut(/gt --version exited 0/);
    const after = await waitFor('idle again after the command', () => {
      const hb = readHeartbeat('hq-idle');
      return hb?.state === 'idle' && hb.timestamp > went.timestamp ? hb : undefined;
    });
    assert.ok(after.timestamp > went.timestamp);
  } finally {
    await stop(idle);
    await stop(busy);
  }
});

test('echoes nudged text literally and runs `run: gt ...` without a shell', async () => {
  const marker = join(town.root, 'pwned');
  const sim = startSim({}, 'hq-deacon');
  try {
    await sim.waitOut('gt-sim [deacon]> ');
    sim.send(`hello $(touch ${marker}) 'q'`);
    await sim.waitOut(`received: hello $(touch ${marker}) 'q'`);
    sim.send('run: gt --version');
    await sim.waitOut('gt-sim: gt --version exited 0');
    assert.match(sim.out(), `gt ${gtVersion()}\n`);
    sim.send(`run: gt prime --json --role "mayor"`);
    await sim.waitOut('gt-sim: gt prime --json --role mayor exited 0');
    assert.match(sim.out(), `"identity": "mayor"`);
    assert.match(sim.out(), `# You are the mayor of town ${town.root}`);
    sim.send(`run: gt prime --role '$(touch ${marker})'`);
    await sim.waitOut(/gt prime --role \$\(touch .*\) exited 1/);
    assert.match(sim.out(), 'unknown role');
    assert.not.ok(existsSync(marker), 'nothing typed into the sim reached a shell');
    sim.send('exit 4');
    assert.equal(await sim.exited, { code: 4, signal: null });
  } finally {
    await stop(sim);
  }
});

test('GT_SIM_EXIT_CODE=7 exits at once with 7', async () => {
  const sim = startSim({ GT_SIM_EXIT_CODE: '7' }, 'hq-boot');
  assert.equal(await sim.exited, { code: 7, signal: null });
  assert.match(sim.out(), 'GT_SIM_EXIT_CODE');
  assert.not.ok(existsSync(hbPath('hq-boot')), 'it exits before any heartbeat');
});

test('GT_SIM_CRASH_AFTER exits 1 after running a while', async () => {
  const sim = startSim({ GT_SIM_CRASH_AFTER: '700ms' }, 'hq-crash');
  await waitFor('heartbeat before the crash', () => readHeartbeat('hq-crash'));
  assert.equal(await sim.exited, { code: 1, signal: null });
  assert.match(sim.out(), 'crashing (GT_SIM_CRASH_AFTER)');
});

test('GT_SIM_HANG=1 stops heartbeats and answers while a healthy sim keeps beating', async () => {
  const control = startSim({ GT_SIM_WORK: 'busy' }, 'hq-control');
  const hung = startSim({ GT_SIM_HANG: '1' }, 'hq-hung');
  try {
    await hung.waitOut('hanging (GT_SIM_HANG)');
    const frozen = await waitFor('the single heartbeat of the hung sim', () => readHeartbeat('hq-hung'));
    hung.send('are you there?');
    // Absence can only be shown over time: measure it against the control sim, which must
    // refresh several times in the same window.
    const base = await waitFor('control heartbeat', () => readHeartbeat('hq-control'));
    let seen = base.timestamp;
    for (let i = 0; i < 4; i++) {
      seen = await waitFor(`control refresh ${i + 1}`, () => {
        const hb = readHeartbeat('hq-control');
        return hb && hb.timestamp > seen ? hb.timestamp : undefined;
      });
    }
    assert.ok(pidRunning(hung.pid), 'the hung sim is still running');
    assert.is(readHeartbeat('hq-hung')?.timestamp, frozen.timestamp, 'no heartbeat since it hung');
    assert.not.match(hung.out(), 'received: are you there?');
  } finally {
    await stop(control);
    await stop(hung);
  }
});

test('GT_SIM_HANG=<duration> beats first, then stops', async () => {
  const sim = startSim({ GT_SIM_HANG: '800ms', GT_SIM_WORK: 'busy' }, 'hq-later');
  try {
    const first = await waitFor('first heartbeat', () => readHeartbeat('hq-later'));
    await waitFor('a refresh before hanging', () => {
      const hb = readHeartbeat('hq-later');
      return hb && hb.timestamp > first.timestamp;
    });
    await sim.waitOut('hanging (GT_SIM_HANG)');
    const at = readHeartbeat('hq-later')!.timestamp;
    sim.send('run: gt --version'); // answered by a live sim, ignored by a hung one
    const control = startSim({ GT_SIM_WORK: 'busy' }, 'hq-control2');
    try {
      let seen = (await waitFor('control heartbeat', () => readHeartbeat('hq-control2'))).timestamp;
      for (let i = 0; i < 3; i++) {
        seen = await waitFor(`control refresh ${i + 1}`, () => {
          const hb = readHeartbeat('hq-control2');
          return hb && hb.timestamp > seen ? hb.timestamp : undefined;
        });
      }
    } finally {
      await stop(control);
    }
    assert.ok(pidRunning(sim.pid));
    assert.is(readHeartbeat('hq-later')!.timestamp, at);
    assert.not.match(sim.out(), 'exited 0');
  } finally {
    await stop(sim);
  }
});

test('SIGHUP ends a sim, unless GT_SIM_IGNORE_SIGHUP=1', async () => {
  const plain = startSim({}, 'hq-hup1');
  const stubborn = startSim({ GT_SIM_IGNORE_SIGHUP: '1', GT_SIM_WORK: 'busy' }, 'hq-hup2');
  try {
    await plain.waitOut('gt-sim [deacon]> ');
    await stubborn.waitOut('gt-sim [deacon]> ');
    plain.child.kill('SIGHUP');
    stubborn.child.kill('SIGHUP');
    assert.equal(await plain.exited, { code: null, signal: 'SIGHUP' });
    await stubborn.waitOut('ignoring SIGHUP');
    const before = readHeartbeat('hq-hup2')!.timestamp;
    await waitFor('heartbeat after SIGHUP', () => readHeartbeat('hq-hup2')!.timestamp > before);
    assert.ok(pidRunning(stubborn.pid));
  } finally {
    await stop(plain);
    await stop(stubborn);
  }
});

test('GT_SIM_SETSID_CHILD forks an escaped child that survives SIGHUP and the sim', async () => {
  const sim = startSim({ GT_SIM_SETSID_CHILD: '1' }, 'hq-setsid');
  let childPid: number | undefined;
  try {
    const cp: number = await waitFor('heartbeat with child_pid', () => readHeartbeat('hq-setsid')?.child_pid);
    childPid = cp;
    started.push(cp);
    await waitFor('child renamed itself', () => readFileSync(`/proc/${cp}/comm`, 'utf8').trim() === 'gt-sim-child');
    assert.is(sid(cp), cp, 'the child leads its own session (setsid)');
    assert.is.not(sid(cp), sid(sim.pid));
    process.kill(cp, 'SIGHUP');
    await stop(sim);
    // The child has no pane, no parent and ignores SIGHUP: it is still there, as a leaked
    // process would be, until someone kills it by pid.
    await waitFor('child reparented', () => {
      const stat = readFileSync(`/proc/${cp}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== sim.pid;
    });
    assert.ok(pidRunning(cp), 'the setsid child outlives the sim and SIGHUP');
  } finally {
    await stop(sim);
    if (childPid !== undefined && pidRunning(childPid)) process.kill(childPid, 'SIGKILL');
  }
  await waitFor('child gone after kill', () => !pidRunning(childPid!));
});

test('bad configuration is a clear error', async () => {
  const noSession = spawn(process.execPath, [GT_BIN, 'sim'], {
    env: { ...process.env, GT_TOWN_ROOT: town.root, GT_ROLE: 'witness', GT_RIG: 'web', GT_SESSION: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(noSession.pid!);
  let err = '';
  noSession.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const code = await new Promise((r) => noSession.on('close', r));
  assert.is(code, 1);
  assert.match(err, /GT_SESSION/);

  const badKnob = startSim({ GT_SIM_EXIT_CODE: 'seven' }, 'hq-bad');
  const r = await badKnob.exited;
  assert.is(r.code, 1);
  assert.match(badKnob.out(), 'GT_SIM_EXIT_CODE');
});

test.run();

/**
 * gt doctor in a town set up to be broken: an old tmux (a fake first on PATH), a runtime whose
 * command is nowhere, a stale daemon pid file and socket, a leftover process carrying the town's
 * marker, a stale worktree record and a merged branch left behind. `--fix` clears the safe ones and
 * nothing else (a process with only GT_TOWN_ROOT, e.g. a person's shell, is never touched).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gt, makeTown, tempDir, waitFor, type TempTown } from '../helpers/town.js';
import { gitIn, makeSourceRepo } from '../helpers/rig-repo.js';
import { pidRunning } from '../../internal/fsx/proc.js';

let town: TempTown;
let fakeBin: string;
const children: ChildProcess[] = [];
interface Line {
  check: string;
  status: string;
  what: string;
  fixed?: string;
  fixable: boolean;
}
const doctor = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
  const r = await gt(['doctor', '--json', ...args, '--town', town.root], { env });
  return { code: r.code, report: JSON.parse(r.stdout) as { ok: boolean; checks: Line[] }, stderr: r.stderr };
};
const line = (checks: Line[], id: string) => checks.find((c) => c.check === id);
const oldTmuxPath = () => `${fakeBin}:${process.env.PATH}`;

function sleeper(env: Record<string, string>): ChildProcess {
  // Detached, like an agent's child that escaped its session with setsid.
  const c = spawn('sleep', ['600'], { env: { PATH: process.env.PATH!, ...env }, detached: true, stdio: 'ignore' });
  children.push(c);
  return c;
}

test.before(async () => {
  town = await makeTown({
    agent: 'sim',
    settings: {
      agents: { ghost: { command: 'gt-no-such-agent-cli' }, shelly: { command: 'sh' } },
      roles: { witness: { agent: 'ghost' }, refinery: { agent: 'shelly' } },
    },
  });
  fakeBin = tempDir('gt-doctor-bin-');
  // An old tmux: answers -V as 2.9, passes everything else to the real one.
  writeFileSync(join(fakeBin, 'tmux'), `#!/bin/sh\nfor a in "$@"; do [ "$a" = "-V" ] && { echo "tmux 2.9"; exit 0; }; done\nexec /usr/bin/tmux "$@"\n`);
  chmodSync(join(fakeBin, 'tmux'), 0o755);
});
test.after(async () => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(fakeBin, { recursive: true, force: true });
  await town.cleanup();
});

test('a sim town: every check ok or honest; the missing runtime fails, exit 1', async () => {
  const { code, report } = await doctor([]);
  // The ghost runtime is the one failure this town starts with.
  assert.is(code, 1);
  assert.is(line(report.checks, 'tmux')!.status, 'ok');
  assert.is(line(report.checks, 'files')!.status, 'ok');
  assert.is(line(report.checks, 'daemon')!.status, 'ok');
  assert.is(line(report.checks, 'leftovers')!.status, 'ok');
  assert.is(line(report.checks, 'runtime:sim')!.status, 'ok');
  assert.is(line(report.checks, 'runtime:ghost')!.status, 'fail');
  assert.match(line(report.checks, 'runtime:ghost')!.what, /"gt-no-such-agent-cli" is not on this shell's PATH/);
  assert.is(line(report.checks, 'runtime:shelly')!.status, 'ok');
  // What cannot be told is said, not guessed.
  assert.is(line(report.checks, 'login:shelly')!.status, 'warn');
  assert.match(line(report.checks, 'login:shelly')!.what, /cannot tell whether shelly is logged in and past its first-run screens \(gt has no screen recogniser for "sh"\)/);
  // Each login line sits right under its runtime's PATH line; none for a runtime not found.
  const ids = report.checks.map((l) => l.check);
  assert.is(ids.indexOf('login:shelly'), ids.indexOf('runtime:shelly') + 1);
  assert.is(ids.indexOf('login:sim'), ids.indexOf('runtime:sim') + 1);
  assert.not.ok(ids.includes('login:ghost'), 'no login line for a runtime that is not there');
  assert.is(line(report.checks, 'login:sim')!.status, 'ok');
  assert.is(line(report.checks, 'disk')!.status, 'ok');
});

test('finds an old tmux, a stale pid file and socket, a leftover marked process, stale worktrees; --fix clears the safe ones', async () => {
  // Stale daemon files: no daemon holds the lock.
  writeFileSync(join(town.root, 'daemon', 'daemon.pid'), '999999\n0123456789abcdef\n');
  writeFileSync(join(town.root, 'daemon', 'control.sock'), '');
  // A leftover agent child, and a person's process that only has the town exported.
  const leftover = sleeper({ GT_TOWN_ROOT: town.root, GT_SESSION: 'gt-witness', GT_ROLE: 'witness' });
  const persons = sleeper({ GT_TOWN_ROOT: town.root });
  const otherTown = sleeper({ GT_TOWN_ROOT: `${town.root}-other`, GT_SESSION: 'hq-mayor' });
  await waitFor('sleepers running', () => [leftover, persons, otherTown].every((c) => c.pid && pidRunning(c.pid)), 5_000);
  // A rig whose polecat worktree directory vanished, leaving a worktree record and a merged branch.
  const src = join(town.root, '..', 'src');
  makeSourceRepo(src);
  const add = await gt(['rig', 'add', 'web', src, '--prefix', 'wb', '--town', town.root]);
  assert.is(add.code, 0, add.stderr);
  const clone = join(town.root, 'web', 'mayor', 'rig');
  mkdirSync(join(town.root, 'web', 'polecats'), { recursive: true });
  gitIn(clone, ['worktree', 'add', '-q', '-b', 'polecat/toast', join(town.root, 'web', 'polecats', 'toast')]);
  rmSync(join(town.root, 'web', 'polecats', 'toast'), { recursive: true, force: true });

  const before = await doctor([], { PATH: oldTmuxPath() });
  assert.is(before.code, 1);
  const c = before.report.checks;
  assert.is(line(c, 'tmux')!.status, 'fail');
  assert.match(line(c, 'tmux')!.what, /tmux 2\.9 is older than 3\.2/);
  assert.is(line(c, 'daemon-pid')!.status, 'warn');
  assert.match(line(c, 'daemon-pid')!.what, /stale daemon\/daemon\.pid/);
  assert.is(line(c, 'daemon-socket')!.status, 'warn');
  assert.is(line(c, 'leftovers')!.status, 'warn');
  assert.match(line(c, 'leftovers')!.what, new RegExp(`\\b${leftover.pid} \\(sleep, GT_SESSION=gt-witness\\)`));
  assert.not.match(line(c, 'leftovers')!.what, new RegExp(`\\b${persons.pid}\\b`));
  assert.not.match(line(c, 'leftovers')!.what, new RegExp(`\\b${otherTown.pid}\\b`));
  assert.is(line(c, 'runtime:ghost')!.status, 'fail');
  assert.ok(c.some((l) => l.check === 'worktrees:web' && /registered but gone: .*polecats\/toast/.test(l.what)), JSON.stringify(c));
  assert.ok(c.some((l) => l.check === 'branches:web' && /merged polecat branch without a worktree: polecat\/toast/.test(l.what)));
  // Human output: one line per check.
  const human = await gt(['doctor', '--town', town.root], { env: { PATH: oldTmuxPath() } });
  assert.match(human.stdout, /^fail   tmux +tmux 2\.9 is older than 3\.2 \(fix: install tmux >= 3\.2/m);
  assert.match(human.stdout, /^warn   daemon-pid +stale daemon\/daemon\.pid.*\(fix: gt doctor --fix removes it\)$/m);
  assert.match(human.stdout, /^\d+ ok, \d+ warn, \d+ fail$/m);

  const fixed = await doctor(['--fix'], { PATH: oldTmuxPath() });
  assert.is(fixed.code, 1, 'the unsafe problems remain failures');
  const f = fixed.report.checks;
  assert.match(line(f, 'daemon-pid')!.fixed!, /removed daemon\/daemon\.pid/);
  assert.match(line(f, 'daemon-socket')!.fixed!, /removed daemon\/control\.sock/);
  assert.match(line(f, 'leftovers')!.fixed!, /ended 1 leftover process/);
  assert.is(line(f, 'tmux')!.fixed, undefined, 'tmux is not something --fix touches');
  assert.is(line(f, 'runtime:ghost')!.fixed, undefined);
  assert.not.ok(existsSync(join(town.root, 'daemon', 'daemon.pid')));
  assert.not.ok(existsSync(join(town.root, 'daemon', 'control.sock')));
  await waitFor('the leftover ended', () => !pidRunning(leftover.pid!), 5_000);
  assert.ok(pidRunning(persons.pid!), "a person's process with only GT_TOWN_ROOT is never touched");
  assert.ok(pidRunning(otherTown.pid!), "another town's process is never touched");
  assert.not.match(gitIn(clone, ['branch', '--list', 'polecat/*']), /toast/);

  const after = await doctor([]);
  const a = after.report.checks;
  assert.is(line(a, 'tmux')!.status, 'ok');
  assert.is(line(a, 'daemon')!.status, 'ok');
  assert.is(line(a, 'leftovers')!.status, 'ok');
  assert.is(line(a, 'worktrees:web')!.status, 'ok');
  assert.is(line(a, 'runtime:ghost')!.status, 'fail');
  assert.match((await gt(['doctor', '--help'])).stdout, /usage: gt doctor/);
});

test('with a daemon running: lock, pid file and socket agree; its own processes are not leftovers', async () => {
  const r = await gt(['daemon', 'start', '--town', town.root]);
  assert.is(r.code, 0, r.stderr);
  const { report } = await doctor([]);
  assert.is(line(report.checks, 'daemon')!.status, 'ok');
  assert.match(line(report.checks, 'daemon')!.what, /running \(pid \d+\): lock, pid file and socket agree/);
  assert.is(line(report.checks, 'leftovers')!.status, 'ok', JSON.stringify(line(report.checks, 'leftovers')));
  assert.match(line(report.checks, 'runtime:sim')!.what, /the daemon's PATH/);
});

test.run();

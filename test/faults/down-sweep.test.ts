/**
 * `gt down` leaves nothing of the town: a setsid child whose session is already gone (the sim's
 * GT_SIM_SETSID_CHILD), and a job below the town's tmux server that cleared its environment, are
 * ended too. A person's shell that merely exported GT_TOWN_ROOT is not the town's and survives.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { faultTown, type FaultTown } from '../helpers/engine-faults.js';
import { daemonPids, gt, readJson, waitFor } from '../helpers/town.js';
import { pidRunning, readProcTable, descendantPids } from '../../internal/fsx/proc.js';

let ft: FaultTown;
let bystander: ChildProcess | undefined;

test.before(async () => {
  ft = await faultTown({ settings: { daemon: { recovery_interval: '300ms' } }, env: { GT_SIM_SETSID_CHILD: '1' } });
});
test.after(async () => {
  if (bystander?.pid && pidRunning(bystander.pid)) process.kill(bystander.pid, 'SIGKILL');
  await ft.teardown();
});

/** Live pids whose environment has GT_TOWN_ROOT=<town> and a GT_SESSION: what gt started for the town. */
function townAgentPids(root: string): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z') continue;
      const env = readFileSync(`/proc/${e}/environ`, 'utf8').split('\0');
      if (env.includes(`GT_TOWN_ROOT=${root}`) && env.some((kv) => kv.startsWith('GT_SESSION='))) out.push(Number(e));
    } catch {
      // Gone, or not ours to read.
    }
  }
  return out;
}

test('gt down ends an orphaned setsid child of a dead session and a marker-less job under the town server', async () => {
  await ft.gtOk(['daemon', 'start']);
  await waitFor('the mayor reports its setsid child', () => readJson(join(ft.root, '.runtime', 'heartbeats', 'hq-mayor.json')).child_pid, 30_000);
  const orphan = readJson(join(ft.root, '.runtime', 'heartbeats', 'hq-mayor.json')).child_pid as number;
  assert.ok(pidRunning(orphan));
  // Nothing may restart the mayor: its session goes away for good, its setsid child stays.
  await ft.gtOk(['estop', '--reason', 'down-sweep test']);
  ft.tmux('kill-session', '-t', '=hq-mayor');
  await waitFor('the mayor session gone', () => !ft.sessions().includes('hq-mayor'), 10_000);
  assert.ok(pidRunning(orphan), 'the setsid child outlived its session');
  // A job below the town's server that dropped every marker.
  const serverPid = Number(ft.tmux('display-message', '-p', '#{pid}').stdout.trim());
  ft.tmux('run-shell', '-b', 'env -i sleep 4242');
  const job = await waitFor('the run-shell job', () => {
    const table = readProcTable();
    return descendantPids(table, [serverPid]).find((p) => table.get(p)?.cmdline.join(' ') === 'sleep 4242');
  }, 10_000);
  // A person's process that exported GT_TOWN_ROOT (no GT_SESSION): not the town's.
  bystander = spawn('sleep', ['600'], { env: { ...process.env, GT_TOWN_ROOT: ft.root, GT_SESSION: undefined }, stdio: 'ignore' });

  const r = await gt(['down', '--town', ft.root], { timeoutMs: 90_000 });
  assert.is(r.code, 0, r.stderr + r.stdout);
  await waitFor('the orphan ended', () => !pidRunning(orphan), 10_000);
  await waitFor('the job ended', () => !pidRunning(job), 10_000);
  assert.equal(townAgentPids(ft.root), [], 'no process started for the town is left');
  assert.equal(daemonPids(ft.root), []);
  assert.equal(ft.sessions(), []);
  assert.ok(pidRunning(bystander.pid!), 'a process that only exported GT_TOWN_ROOT is left alone');
});

test('what cannot be caught: env cleared and double-forked out of the tree; gt doctor lists it as unmarked', async () => {
  await ft.gtOk(['thaw']);
  await ft.gtOk(['daemon', 'start']);
  await waitFor('the mayor up again', () => ft.sessions().includes('hq-mayor'), 30_000);
  // From inside the mayor's session: a child that drops its environment and double-forks.
  const pidFile = join(ft.root, 'escaped.pid');
  ft.tmux('run-shell', `cd ${join(ft.root, 'mayor')} && env -i sh -c 'sleep 4343 >/dev/null 2>&1 & echo $! > ${pidFile}'`);
  const escaped = await waitFor('the escaped process', () => {
    try {
      return Number(readFileSync(pidFile, 'utf8').trim()) || undefined;
    } catch {
      return undefined;
    }
  }, 10_000);
  try {
    const r = await gt(['down', '--town', ft.root], { timeoutMs: 90_000 });
    assert.is(r.code, 0, r.stderr);
    assert.ok(pidRunning(escaped), 'as the README says: gt down cannot find it');
    const doc = await gt(['doctor', '--json', '--town', ft.root], { timeoutMs: 60_000 });
    const checks = (JSON.parse(doc.stdout) as { checks: Array<{ check: string; status: string; what: string }> }).checks;
    const unmarked = checks.find((c) => c.check === 'unmarked');
    assert.is(unmarked?.status, 'warn', JSON.stringify(checks));
    assert.match(unmarked!.what, new RegExp(`\\b${escaped} \\(sleep, in /mayor\\)`));
  } finally {
    if (pidRunning(escaped)) process.kill(escaped, 'SIGKILL');
  }
});

test.run();

/**
 * Fault 11: one rig's git hangs (a `core.fsmonitor` hook in its clone that blocks on a FIFO, so
 * every `git status` in its worktrees waits forever). Before restarting a polecat the daemon
 * checks its worktree with git, under `daemon.rig_timeout`. In the same tick, another rig's dead
 * witness is still restarted, before the hung rig's time runs out; the hung git is cancelled at
 * the timeout and the failed restart is reported to the hung rig's witness.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, constants, openSync, readdirSync, readlinkSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { faultTown, matching, type FaultTown } from '../helpers/engine-faults.js';
import { daemonPids, waitFor } from '../helpers/town.js';

let ft: FaultTown;
let fifo: string;
let clone: string;
const RIG_TIMEOUT_MS = 5_000;
let hookPath: string;

/** Live git processes whose cwd is `dir` (the daemon's worktree checks). */
function gitsIn(dir: string): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (!readFileSync(`/proc/${e}/cmdline`, 'utf8').startsWith('git\0')) continue;
      if (readlinkSync(`/proc/${e}/cwd`) === dir) out.push(Number(e));
    } catch {
      // gone
    }
  }
  return out;
}

/** Let every hook blocked on the FIFO finish: open it for writing and close it (EOF for readers). */
function releaseHooks(): void {
  for (let i = 0; i < 50; i++) {
    try {
      closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
    } catch {
      return; // ENXIO: no reader left
    }
  }
}

test.before(async () => {
  ft = await faultTown({
    settings: {
      daemon: { recovery_interval: '1h', rig_timeout: `${RIG_TIMEOUT_MS}ms` },
      restart: { initial_backoff: '100ms', max_backoff: '200ms', crash_loop_count: 50 },
    },
  });
  // "alpha" sorts first, so its actions would come first if rigs were handled one after another.
  await ft.addRig('alpha', 'al');
  await ft.addRig('zulu', 'zu');
  clone = join(ft.root, 'alpha', 'mayor', 'rig');
  fifo = join(ft.root, '..', 'hang.fifo');
  execFileSync('mkfifo', [fifo]);
  hookPath = join(ft.root, '..', 'fsmonitor-hang');
  writeFileSync(hookPath, `#!/bin/sh\n# A filesystem monitor that never answers.\ncat '${fifo}' >/dev/null\n`, { mode: 0o755 });
});
test.after(async () => {
  spawnSync('git', ['-C', clone, 'config', '--unset', 'core.fsmonitor']);
  releaseHooks();
  await ft.teardown();
  releaseHooks();
});

test("a hung rig's git does not keep another rig's dead witness down in the same tick", async () => {
  const bead = JSON.parse(await ft.gtOk(['bead', 'create', '--rig', 'alpha', '--title', 'Stuck', '--json'])).id as string;
  const sl = JSON.parse(await ft.gtOk(['sling', bead, 'alpha', '--json']));
  const polecat = sl.session as string;
  const worktree = join(ft.root, 'alpha', 'polecats', sl.polecat);
  await ft.gtOk(['daemon', 'start']);
  const up = ['hq-deacon', 'hq-mayor', 'al-refinery', 'al-witness', 'zu-refinery', 'zu-witness', polecat];
  await waitFor('all sessions up', () => up.every((s) => ft.sessions().includes(s)), 30_000);
  await waitFor('first tick done', () => ft.tickCount() >= 1, 30_000);
  const [daemon] = daemonPids(ft.root);

  // The fault: every git status in rig alpha now blocks. (Proof, with a timeout of our own.)
  execFileSync('git', ['-C', clone, 'config', 'core.fsmonitor', hookPath]);
  const probe = spawnSync('git', ['-C', worktree, 'status', '--porcelain'], { timeout: 1_000 });
  assert.ok(probe.error || probe.signal, 'git status in the hung rig does not return');
  releaseHooks();

  // Both rigs lose their witness, and alpha its polecat, in one tmux call: one tick sees all three.
  const mark = ft.log().length;
  const t0 = Date.now();
  ft.tmux('kill-session', '-t', '=al-witness', ';', 'kill-session', '-t', `=${polecat}`, ';', 'kill-session', '-t', '=zu-witness');
  await waitFor('zulu witness back', () => ft.sessions().includes('zu-witness'), 15_000);
  const zuluBackMs = Date.now() - t0;
  await waitFor('alpha reported as hung', () => matching(ft.log().slice(mark), new RegExp(`rig alpha: actions still running after ${RIG_TIMEOUT_MS}ms`)).length >= 1, 20_000);

  const lines = ft.log().slice(mark);
  const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
  const zulu = at(/\bstarted zulu\/witness \(session missing\)/);
  const hung = at(new RegExp(`rig alpha: actions still running after ${RIG_TIMEOUT_MS}ms`));
  assert.ok(zulu >= 0 && hung >= 0, lines.join('\n'));
  // The tick that restarted zulu's witness is the tick that gave up on alpha: no tick began between.
  let tickStart = zulu;
  while (tickStart >= 0 && !/DEBUG tick \d+/.test(lines[tickStart]!)) tickStart--;
  assert.ok(tickStart >= 0, lines.join('\n'));
  assert.ok(zulu < hung, `zulu's witness was restarted before alpha's time ran out:\n${lines.join('\n')}`);
  assert.equal(lines.slice(tickStart + 1, hung).filter((l) => /DEBUG tick \d+/.test(l)), [], 'one tick');
  assert.ok(lines.slice(tickStart, hung).some((l) => /\bstarted alpha\/witness\b/.test(l)), 'alpha witness (no git involved) started too');
  assert.not.ok(lines.slice(tickStart, hung).some((l) => new RegExp(`started alpha/polecats/${sl.polecat}`).test(l)));
  const ts = (l: string) => Date.parse(l.slice(0, 24));
  const zuluMs = ts(lines[zulu]!) - ts(lines[tickStart]!);
  console.log(`figures: zulu witness restarted ${zuluMs}ms into the tick (${zuluBackMs}ms after the kill); alpha abandoned at ${RIG_TIMEOUT_MS}ms`);
  assert.ok(zuluMs < RIG_TIMEOUT_MS, `${zuluMs}ms`);

  // The hung git was cancelled at the timeout (no git left running in the worktree), the failure
  // was recorded, and the witness of the hung rig hears about it once.
  await waitFor('no git left in the hung worktree', () => gitsIn(worktree).length === 0, 5_000);
  // The cancelled start reports its failure when its promise settles; on a loaded box that can be
  // after the tick has moved on (act hands such late results to the next tick).
  const failed = new RegExp(`(start|restart) alpha/polecats/${sl.polecat} failed: .*not a usable git worktree`);
  await waitFor('the cancelled start logged as failed', () => matching(ft.log().slice(mark), failed).length >= 1, 15_000).catch(() => {
    throw new Error(`no failure logged for the cancelled start:\n${ft.log().slice(mark).join('\n')}`);
  });
  await ft.gtOk(['daemon', 'tick']);
  await waitFor(
    'CRASHED_POLECAT to alpha/witness',
    async () => (await ft.inbox('alpha/witness')).filter((m) => m.subject === `CRASHED_POLECAT: alpha/${sl.polecat} restart failed`).length === 1,
    20_000,
  );
  assert.not.ok(ft.sessions().includes(polecat), 'never started into a worktree git cannot read');
  assert.equal(daemonPids(ft.root), [daemon]);
  for (const s of up.filter((x) => x !== polecat)) assert.ok(ft.sessions().includes(s), s);
});

test.run();

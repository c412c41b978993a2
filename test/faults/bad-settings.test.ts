/**
 * Settings validated for what they are: process names are exact names or simple globs. A
 * regular expression such as `/[/` used to pass validation and SIGHUP and then make every tick
 * throw; now it is refused at SIGHUP (old settings kept, ticks go on) and at start (one line).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { faultTown, matching, type FaultTown } from '../helpers/engine-faults.js';
import { GT_BIN, daemonPids, gt, waitFor } from '../helpers/town.js';

let ft: FaultTown;
let configFile: string;
let good: string;

/** The mayor runs a custom runtime (the sim under another name) with these process names. */
function withMayorNames(names: string[]): string {
  const cur = JSON.parse(good) as Record<string, unknown>;
  cur.agents = { sim2: { command: process.execPath, args: [GT_BIN, 'sim'], process_names: names } };
  cur.roles = { mayor: { agent: 'sim2' } };
  return `${JSON.stringify(cur, null, 2)}\n`;
}

test.before(async () => {
  ft = await faultTown({ settings: { daemon: { recovery_interval: '200ms' } } });
  configFile = join(ft.root, 'settings', 'config.json');
  good = readFileSync(configFile, 'utf8');
});
test.after(async () => {
  await ft.teardown();
});

test('at start: a regular expression in process_names is one clear line, and no daemon runs', async () => {
  writeFileSync(configFile, withMayorNames(['/^(a+)+$/']));
  const r = await gt(['daemon', 'start', '--town', ft.root], { timeoutMs: 30_000 });
  assert.is(r.code, 1, r.stdout + r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.is(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /^gt: daemon failed to start: settings\/config\.json: agents\.sim2\.process_names\.0: expected an exact process name or a simple glob/);
  // It refused and is exiting (it may still be on its way out as start reports).
  await waitFor('no daemon process left', () => daemonPids(ft.root).length === 0, 10_000);
});

test('at SIGHUP: refused with the old settings kept; ticks go on without failing', async () => {
  writeFileSync(configFile, withMayorNames(['gt-sim']));
  await ft.gtOk(['daemon', 'start']);
  const [daemon] = daemonPids(ft.root) as [number];
  await waitFor('mayor alive under the custom runtime', async () => {
    const agents = JSON.parse(await ft.gtOk(['agents', '--json'])) as Array<{ identity: string; liveness: string; runtime: string }>;
    const m = agents.find((a) => a.identity === 'mayor');
    return m?.liveness === 'alive' && m.runtime === 'sim2';
  }, 30_000);
  // The start is logged once its health window has passed, after the session shows alive.
  await waitFor('the mayor start logged', () => matching(ft.log(), /\bstarted mayor\b/).length > 0, 20_000);
  const mark = ft.log().length;
  writeFileSync(configFile, withMayorNames(['/[/']));
  process.kill(daemon, 'SIGHUP');
  await waitFor('the SIGHUP answer in the log', () => matching(ft.log().slice(mark), /SIGHUP/).length > 0, 10_000);
  await ft.waitTicks(10);
  const lines = ft.log().slice(mark);
  assert.equal(matching(lines, /SIGHUP: kept the previous settings: settings\/config\.json: agents\.sim2\.process_names\.0: expected an exact process name or a simple glob/).length, 1, lines.join('\n'));
  assert.equal(matching(lines, /tick failed|uncaught|unhandled|Invalid regular expression/), [], lines.join('\n'));
  // The old names still recognise the mayor: it is left alone, not restarted as a zombie.
  assert.equal(matching(lines, /\b(started|restarted|killed) mayor\b/), [], lines.join('\n'));
  assert.equal(daemonPids(ft.root), [daemon]);
  writeFileSync(configFile, good);
});

test.run();

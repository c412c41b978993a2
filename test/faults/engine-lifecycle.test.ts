/**
 * Fault 10: lifecycle requests. `gt handoff --cycle`, run with an agent's own environment, restarts
 * exactly that session, exactly once (its pane pid changes once, the others never); the request is
 * claimed (closed). A request 7 hours old is deleted without any action. A forged request (a
 * person's, or another rig's polecat naming this rig's refinery) is refused by its recorded
 * sender: nothing restarts, one log line names who really sent it.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { withLedger } from '../../internal/ledger/index.js';
import { townLayout } from '../../internal/town/layout.js';
import { SESSION_MARKER_ENV, SOCKET_MARKER_ENV } from '../../internal/tmux/session.js';
import { faultTown, matching, type FaultTown } from '../helpers/engine-faults.js';
import { gt, waitFor } from '../helpers/town.js';

let ft: FaultTown;
const ALL = ['hq-deacon', 'hq-mayor', 'lc-refinery', 'lc-witness'];
const IDS = ['deacon', 'mayor', 'cyc/refinery', 'cyc/witness'];

const alive = async (): Promise<boolean> => {
  const agents = JSON.parse(await ft.gtOk(['agents', '--json'])) as Array<{ identity: string; liveness: string }>;
  return IDS.every((id) => agents.find((a) => a.identity === id)?.liveness === 'alive');
};

/**
 * A pane's process once it is the agent: not the placeholder a session starts with (tmux/session.ts),
 * and not a child tmux has forked but not yet exec'd (it still shows the server's command line).
 */
function agentPanePid(session: string): number | undefined {
  const p = ft.panePid(session);
  try {
    const argv0 = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0')[0] ?? '';
    return p !== undefined && !['sleep', 'tmux'].includes(basename(argv0)) ? p : undefined;
  } catch {
    return undefined;
  }
}

/** Record every agent pane pid each session shows, every 25ms, until stopped. */
function samplePanes(): { stop(): Map<string, number[]> } {
  const seen = new Map<string, number[]>(ALL.map((s) => [s, []]));
  const take = () => {
    for (const s of ALL) {
      const p = agentPanePid(s);
      const list = seen.get(s)!;
      if (p !== undefined && list.at(-1) !== p) list.push(p);
    }
  };
  take();
  // unref: a failed assertion before stop() must not keep the test process alive.
  const timer = setInterval(take, 25).unref();
  return {
    stop() {
      clearInterval(timer);
      take();
      return seen;
    },
  };
}

test.before(async () => {
  // No timed ticks: only the handoff's SIGUSR1 (and our explicit ticks) can act.
  ft = await faultTown({ settings: { daemon: { recovery_interval: '1h' } } });
  await ft.addRig('cyc', 'lc');
  await ft.gtOk(['daemon', 'start']);
  await waitFor('all four agents alive', alive, 30_000);
  // The first tick (which started them) has finished and is on record.
  await waitFor('first tick done', () => ft.tickCount() >= 1, 30_000);
});
test.after(async () => {
  await ft.teardown();
});

test('gt handoff --cycle from the witness restarts exactly the witness, once, and claims the request', async () => {
  const witnessPid = ft.panePid('lc-witness')!;
  // The agent's own environment (what a real agent's `gt handoff` would run with), less the
  // markers that make a process one of the session's: with them, the cycle this handoff asks for
  // kills it along with the session, and under load that can land before it has exited, which
  // is harmless for a real agent but would hide the exit status this test checks.
  const env: Record<string, string> = {};
  for (const kv of readFileSync(`/proc/${witnessPid}/environ`, 'utf8').split('\0')) {
    const i = kv.indexOf('=');
    const key = kv.slice(0, i);
    if (i > 0 && key.startsWith('GT_') && !key.startsWith('GT_SIM_') && key !== SESSION_MARKER_ENV && key !== SOCKET_MARKER_ENV) env[key] = kv.slice(i + 1);
  }
  assert.is(env.GT_ROLE, 'witness');
  assert.is(env.GT_TOWN_ROOT, ft.root);

  const mark = ft.log().length;
  const sampler = samplePanes();
  const r = await gt(['handoff', '--cycle', '--json'], { env, cwd: join(ft.root, 'cyc', 'witness') });
  assert.is(r.code, 0, `gt handoff exited ${r.code}${r.signal ? ` (${r.signal})` : ''}; stderr: ${JSON.stringify(r.stderr)}; stdout: ${JSON.stringify(r.stdout)}`);
  const out = JSON.parse(r.stdout);
  assert.is(out.action, 'cycle');
  assert.type(out.signalled, 'number');

  await waitFor('witness restart logged', () => matching(ft.log().slice(mark), /\brestarted cyc\/witness\b/).length === 1, 15_000);
  // Several more ticks: nothing repeats the cycle.
  for (let i = 0; i < 4; i++) await ft.gtOk(['daemon', 'tick']);
  const seen = sampler.stop();

  const w = seen.get('lc-witness')!;
  assert.is(w.length, 2, `witness pane pids over time: ${w.join(' -> ')}`);
  assert.is(w[0], witnessPid);
  for (const s of ALL.filter((x) => x !== 'lc-witness')) assert.is(seen.get(s)!.length, 1, `${s} untouched: ${seen.get(s)!.join(' -> ')}`);
  await waitFor('all alive', alive, 10_000);

  const after = ft.log().slice(mark);
  assert.is(matching(after, /\b(started|restarted|killed) [a-z]/).length, 1, after.join('\n'));
  assert.is(matching(after, new RegExp(`lifecycle request ${out.message} from cyc/witness claimed`)).length, 1, after.join('\n'));
  const msg = (await ft.inbox('deacon/')).find((m) => m.id === out.message);
  assert.ok(msg, 'the request is kept, closed');
  assert.is(msg!.status, 'closed');
  assert.is(msg!.subject, 'LIFECYCLE: cyc/witness requesting cycle');
});

test('a 7-hour-old lifecycle request is deleted without action', async () => {
  const layout = townLayout(ft.root);
  const old = withLedger(
    layout,
    (l) => l.sendMail({ from: 'mayor', to: 'deacon/', subject: 'LIFECYCLE: mayor requesting cycle', body: JSON.stringify({ action: 'cycle' }) }),
    { now: () => new Date(Date.now() - 7 * 3600_000) },
  );
  const mayorPid = ft.panePid('hq-mayor');
  const mark = ft.log().length;
  const sampler = samplePanes();
  for (let i = 0; i < 3; i++) await ft.gtOk(['daemon', 'tick']);
  const seen = sampler.stop();

  const after = ft.log().slice(mark);
  assert.is(matching(after, new RegExp(`lifecycle request ${old.id} from mayor deleted without action: older than 6h`)).length, 1, after.join('\n'));
  assert.equal(matching(after, /\b(started|restarted|killed) [a-z]/), []);
  for (const s of ALL) assert.is(seen.get(s)!.length, 1, `${s} untouched`);
  assert.is(ft.panePid('hq-mayor'), mayorPid);
  assert.not.ok((await ft.inbox('deacon/')).some((m) => m.id === old.id), 'deleted, not just closed');
});

test('forged lifecycle requests (a person; another rig\'s polecat) are refused by their recorded sender and logged once', async () => {
  const sample = samplePanes();
  const mark = ft.log().length;
  const send = async (env: Record<string, string>, subject: string): Promise<string> => {
    const r = await gt(['mail', 'send', 'deacon/', '-s', subject, '-m', '{"action":"shutdown"}', '--json', '--town', ft.root], { env });
    assert.is(r.code, 0, r.stderr);
    return (JSON.parse(r.stdout) as { id: string }).id;
  };
  // A person at a shell (no agent identity: the ledger records "overseer").
  const byPerson = await send({ GT_ROLE: '' }, 'LIFECYCLE: deacon/ requesting shutdown');
  // A polecat of another rig naming this rig's refinery.
  const byPolecat = await send({ GT_ROLE: 'polecat', GT_RIG: 'other', GT_POLECAT: 'nux' }, 'LIFECYCLE: cyc/refinery requesting shutdown');
  for (let i = 0; i < 3; i++) await ft.gtOk(['daemon', 'tick']);
  const seen = sample.stop();

  for (const s of ALL) assert.is(seen.get(s)!.length, 1, `${s} untouched: ${seen.get(s)!.join(' -> ')}`);
  assert.ok(await alive(), 'every agent still alive');
  const after = ft.log().slice(mark);
  assert.equal(matching(after, /\b(started|restarted|killed) [a-z]/), [], after.join('\n'));
  const person = matching(after, new RegExp(`lifecycle request ${byPerson} \\(shutdown deacon\\) refused: sent by "overseer"`));
  assert.is(person.length, 1, after.join('\n'));
  const polecat = matching(after, new RegExp(`lifecycle request ${byPolecat} \\(shutdown cyc/refinery\\) refused: sent by "other/polecats/nux"`));
  assert.is(polecat.length, 1, after.join('\n'));
  // The victim is never blamed: no line says the request came from the agent it names.
  assert.equal(matching(after, /from (deacon\/|cyc\/refinery) claimed/), [], after.join('\n'));
  // Kept as a record, closed.
  const inbox = await ft.inbox('deacon/');
  for (const id of [byPerson, byPolecat]) assert.is(inbox.find((m) => m.id === id)?.status, 'closed', id);
});

test.run();

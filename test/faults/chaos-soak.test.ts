/**
 * The chaos soak's short form (issue 10; the full one is bench/chaos-soak.bench.ts): 4 sim agents
 * (deacon, mayor, one rig's witness and refinery), each with a setsid child, for a minute under
 * random faults (kill -9 of agents, their setsid children, the daemon and the tmux server; corrupt
 * and FIFO heartbeat files; a control-socket client that never reads; forged lifecycle mail; a
 * briefly unreadable ledger). Invariants: never two daemons (the same two for over 1 s), the
 * daemon back by its keeper and every supervised agent running again within the allowed time,
 * each fault's own invariant (ticks go on, the flood dropped, the forgery refused), every kind
 * injected at least once, daemon RSS under 300 MB at every sample, no duplicate alert in any
 * inbox, ledger integrity_check ok, nothing of the town left after gt down. The figures are
 * printed; the seed replays a failing run (CHAOS_SEED).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { printSoak, soak } from '../../bench/chaos.js';

test('a minute of chaos: every invariant holds', async () => {
  const seed = Number(process.env.CHAOS_SEED ?? Date.now() % 1_000_000);
  console.log(`chaos soak: seed ${seed}`);
  const r = await soak({ rigs: 1, durationMs: 60_000, everyMs: 2_000, allowedMs: 60_000, seed, say: (l) => console.log(l) });
  printSoak(r, (l) => console.log(l));
  assert.equal(r.violations, []);
  for (const [f, n] of Object.entries(r.faults)) {
    assert.ok(n >= 1, `${f} was injected`);
    assert.is(r.survived[f], n, `${f}: survived ${r.survived[f]} of ${n}`);
  }
  assert.ok(r.rssPeakKb > 0 && r.rssPeakKb < 300 * 1024, `daemon RSS peak ${r.rssPeakKb} kB`);
  assert.is(r.duplicateAlerts, 0);
  assert.is(r.integrity, 'ok');
  assert.is(r.leftAfterDown, 0);
  assert.ok(Object.values(r.faults).reduce((a, b) => a + b, 0) >= 5, 'faults were injected');
});

test.run();

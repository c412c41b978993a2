/**
 * The chaos soak's short form (issue 10; the full one is bench/chaos-soak.bench.ts): 4 sim agents
 * (deacon, mayor, one rig's witness and refinery) for a minute under random faults (kill -9 of
 * agents, of the daemon and of the tmux server, corrupt heartbeat files, a briefly unreadable
 * ledger). Invariants: never two daemons, every supervised agent running again within its
 * allowed time, no duplicate alert, ledger integrity_check ok, nothing of the town left after
 * gt down. The figures are printed; the seed replays a failing run (CHAOS_SEED).
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
  assert.ok(r.maxDaemons <= 1);
  assert.is(r.duplicateAlerts, 0);
  assert.is(r.integrity, 'ok');
  assert.is(r.leftAfterDown, 0);
  assert.ok(Object.values(r.faults).reduce((a, b) => a + b, 0) >= 5, 'faults were injected');
});

test.run();

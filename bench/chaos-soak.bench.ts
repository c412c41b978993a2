/**
 * The chaos soak (issue 10) at full size: N sim agents (CHAOS_AGENTS, default 20) over M minutes
 * (CHAOS_MINUTES, default 10), a random fault every few seconds (CHAOS_SEED replays a run). Prints
 * each invariant's figure and the faults injected and survived; exits 1 on a violation.
 */
import { printSoak, soak } from './chaos.js';

const agents = Number(process.env.CHAOS_AGENTS ?? 20);
const minutes = Number(process.env.CHAOS_MINUTES ?? 10);
const seed = Number(process.env.CHAOS_SEED ?? Date.now() % 1_000_000);
console.log(`chaos soak: seed ${seed} (CHAOS_SEED=${seed} replays it)`);
const r = await soak({ rigs: Math.max(0, Math.round((agents - 2) / 2)), durationMs: minutes * 60_000, everyMs: 3_000, allowedMs: 60_000, seed, say: (l) => console.log(l) });
printSoak(r, (l) => console.log(l));
process.exitCode = r.violations.length ? 1 : 0;

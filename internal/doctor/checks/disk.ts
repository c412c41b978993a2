import { statfsSync } from 'node:fs';
import type { Check } from '../check.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/** Free space where the town lives: the ledger, logs and every worktree grow there. */
export const diskCheck: Check = async ({ town }) => {
  let free: number;
  let total: number;
  try {
    const s = statfsSync(town);
    free = s.bavail * s.bsize;
    total = s.blocks * s.bsize;
  } catch (e) {
    return [{ check: 'disk', status: 'warn', what: `cannot tell the free space: ${(e as Error).message}` }];
  }
  const pct = total > 0 ? (free / total) * 100 : 100;
  const what = `${(free / GiB).toFixed(1)} GiB free (${pct.toFixed(0)}%) on the town's filesystem`;
  if (free < 200 * MiB) return [{ check: 'disk', status: 'fail', what, hint: 'free space: the ledger, logs and worktrees cannot grow' }];
  if (free < 2 * GiB || pct < 5) return [{ check: 'disk', status: 'warn', what, hint: 'free some space: worktrees and logs grow there' }];
  return [{ check: 'disk', status: 'ok', what }];
};

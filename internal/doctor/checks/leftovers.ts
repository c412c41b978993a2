import { descendantPids, flockHolders, processStartTime, processState, readProcEnviron, readProcTable, type ProcInfo } from '../../fsx/proc.js';
import { Tmux, snapshot, townSocketName } from '../../tmux/index.js';
import type { Check, CheckResult } from '../check.js';

/**
 * Processes gt started for this town (their environment has GT_TOWN_ROOT=<town> and an agent or
 * job marker: GT_SESSION, GT_ROLE or GT_JOB) that belong to nothing alive: not under the town's
 * tmux server, not under the daemon, not this command or its callers. An agent's child that
 * escaped its session (setsid, double fork) is the usual case. A shell of yours with only
 * GT_TOWN_ROOT exported is never counted.
 */
export const MARKERS = ['GT_SESSION', 'GT_ROLE', 'GT_JOB'];

export function townLeftovers(town: string, table: Map<number, ProcInfo>, keepRoots: number[]): Array<ProcInfo & { marker: string }> {
  const keep = new Set(descendantPids(table, keepRoots));
  // This command and everything that called it (a gt run inside an agent session is not a leftover).
  for (let p: number | undefined = process.pid; p && p > 1 && !keep.has(p); p = table.get(p)?.ppid) keep.add(p);
  const out: Array<ProcInfo & { marker: string }> = [];
  for (const p of table.values()) {
    if (keep.has(p.pid) || p.state === 'Z') continue;
    const env = readProcEnviron(p.pid);
    if (!env || env.get('GT_TOWN_ROOT') !== town) continue;
    const marker = MARKERS.find((m) => env.has(m));
    if (marker) out.push({ ...p, marker: `${marker}=${env.get(marker)}` });
  }
  return out;
}

export const leftoversCheck: Check = async ({ town, layout }) => {
  const snap = await snapshot(new Tmux(townSocketName(town)));
  if (!snap.ok) return [{ check: 'leftovers', status: 'warn', what: `cannot tell: the town's tmux server does not answer (${snap.error.message})` }];
  const roots = [...flockHolders(layout.daemonLock), ...(snap.serverPid ? [snap.serverPid] : [])];
  const found = townLeftovers(town, readProcTable(), roots);
  if (found.length === 0) return [{ check: 'leftovers', status: 'ok', what: 'no leftover processes of this town' }];
  const list = found.slice(0, 5).map((p) => `${p.pid} (${p.comm}, ${p.marker})`).join(', ');
  const result: CheckResult = {
    check: 'leftovers',
    status: 'warn',
    what: `${found.length} process${found.length === 1 ? '' : 'es'} of this town outside any session: ${list}${found.length > 5 ? ', ...' : ''}`,
    hint: 'gt doctor --fix ends them (SIGTERM, then SIGKILL)',
    fix: () => endProcesses(found, town, roots),
  };
  return [result];
};

/** End each one, proven to be the same process (start time) still carrying the marker; SIGKILL after a grace. */
async function endProcesses(procs: ProcInfo[], town: string, roots: number[]): Promise<string> {
  // Re-checked now: only what is still a leftover, the same process, is signalled.
  const still = new Set(townLeftovers(town, readProcTable(), roots).map((p) => `${p.pid}:${p.startTime}`));
  const targets = procs.filter((p) => still.has(`${p.pid}:${p.startTime}`));
  const same = (p: ProcInfo) => processStartTime(p.pid) === p.startTime && processState(p.pid) !== 'Z';
  for (const p of targets) signal(p.pid, 'SIGTERM');
  const deadline = Date.now() + 3_000;
  while (Date.now() < deadline && targets.some(same)) await new Promise((r) => setTimeout(r, 100));
  const stubborn = targets.filter(same);
  for (const p of stubborn) signal(p.pid, 'SIGKILL');
  return `ended ${targets.length} leftover process${targets.length === 1 ? '' : 'es'}${stubborn.length ? ` (${stubborn.length} needed SIGKILL)` : ''}`;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Gone already.
  }
}

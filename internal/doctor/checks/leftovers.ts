import { readlinkSync } from 'node:fs';
import { descendantPids, flockHolders, processStartTime, processState, readProcEnviron, readProcTable, type ProcInfo } from '../../fsx/proc.js';
import { TOWN_MARKER_ENV, Tmux, snapshot, townMarker, townSocketName } from '../../tmux/index.js';
import type { Check, CheckResult } from '../check.js';

/** Everything alive that explains a process: the roots' trees, this command and its callers. */
function keepSet(table: Map<number, ProcInfo>, keepRoots: number[]): Set<number> {
  const keep = new Set(descendantPids(table, keepRoots));
  // This command and everything that called it (a gt run inside an agent session is not a leftover).
  for (let p: number | undefined = process.pid; p && p > 1 && !keep.has(p); p = table.get(p)?.ppid) keep.add(p);
  return keep;
}

/**
 * Processes gt started for this town (townMarker: GT_TOWN_ROOT=<town> and an agent or job
 * marker) that belong to nothing alive: not under the town's tmux server, not under the daemon,
 * not this command or its callers. An agent's child that escaped its session (setsid, double
 * fork) is the usual case. A shell of yours with only GT_TOWN_ROOT exported is never counted.
 */
export function townLeftovers(town: string, table: Map<number, ProcInfo>, keepRoots: number[]): Array<ProcInfo & { marker: string }> {
  const keep = keepSet(table, keepRoots);
  const out: Array<ProcInfo & { marker: string }> = [];
  for (const p of table.values()) {
    if (keep.has(p.pid) || p.state === 'Z') continue;
    const marker = townMarker(readProcEnviron(p.pid), town);
    if (marker) out.push({ ...p, marker });
  }
  return out;
}

/**
 * What gt down cannot catch: processes that carry no marker (they cleared their environment)
 * and run outside the town's server and daemon (a double fork re-parented them), but work inside
 * the town (their cwd). Suspects, not proof: a person's own shell in the town looks the same, so
 * they are listed for a person to judge and never ended by --fix.
 */
export function unmarkedInTown(town: string, table: Map<number, ProcInfo>, keepRoots: number[]): Array<ProcInfo & { cwd: string }> {
  const keep = keepSet(table, keepRoots);
  const out: Array<ProcInfo & { cwd: string }> = [];
  for (const p of table.values()) {
    if (keep.has(p.pid) || p.state === 'Z' || p.cmdline.length === 0) continue;
    let cwd: string;
    try {
      cwd = readlinkSync(`/proc/${p.pid}/cwd`);
    } catch {
      continue; // gone, or not ours to look at
    }
    if (cwd !== town && !cwd.startsWith(`${town}/`)) continue;
    // Anything still naming the town in its environment is gt's (marked: the check above; the
    // daemon, the dashboard) or a person's shell that exported it: not one that dropped it all.
    if (readProcEnviron(p.pid)?.get(TOWN_MARKER_ENV) === town) continue;
    out.push({ ...p, cwd });
  }
  return out;
}

export const leftoversCheck: Check = async ({ town, layout }) => {
  const snap = await snapshot(new Tmux(townSocketName(town)));
  if (!snap.ok) return [{ check: 'leftovers', status: 'warn', what: `cannot tell: the town's tmux server does not answer (${snap.error.message})` }];
  const roots = [...flockHolders(layout.daemonLock), ...(snap.serverPid ? [snap.serverPid] : [])];
  const table = readProcTable();
  const found = townLeftovers(town, table, roots);
  const suspects = unmarkedInTown(town, table, roots);
  const unmarked: CheckResult =
    suspects.length === 0
      ? { check: 'unmarked', status: 'ok', what: 'no unmarked process works inside the town outside its server and daemon' }
      : {
          check: 'unmarked',
          status: 'warn',
          what: `${suspects.length} process${suspects.length === 1 ? '' : 'es'} without gt's markers work${suspects.length === 1 ? 's' : ''} inside the town outside its tmux server and daemon: ${suspects
            .slice(0, 5)
            .map((p) => `${p.pid} (${p.comm}, in ${p.cwd.slice(town.length) || '/'})`)
            .join(', ')}${suspects.length > 5 ? ', ...' : ''}`,
          hint: 'an agent child that cleared its environment and double-forked looks like this (gt down cannot find it); a shell of yours does too: check them and end the strays yourself',
        };
  if (found.length === 0) return [{ check: 'leftovers', status: 'ok', what: 'no leftover processes of this town' }, unmarked];
  const list = found.slice(0, 5).map((p) => `${p.pid} (${p.comm}, ${p.marker})`).join(', ');
  const result: CheckResult = {
    check: 'leftovers',
    status: 'warn',
    what: `${found.length} process${found.length === 1 ? '' : 'es'} of this town outside any session: ${list}${found.length > 5 ? ', ...' : ''}`,
    hint: 'gt doctor --fix ends them (SIGTERM, then SIGKILL)',
    fix: () => endProcesses(found, town, roots),
  };
  return [result, unmarked];
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

import { townLayout } from '../town/layout.js';
import { messageOf } from '../errors.js';
import type { Check, CheckResult, Status } from './check.js';
import { daemonCheck } from './checks/daemon-files.js';
import { diskCheck } from './checks/disk.js';
import { filesCheck } from './checks/files.js';
import { leftoversCheck } from './checks/leftovers.js';
import { runtimesCheck } from './checks/runtimes.js';
import { tmuxCheck } from './checks/tmux.js';
import { worktreesCheck } from './checks/worktrees.js';

/** Every check, in the order a person reads them. */
const CHECKS: ReadonlyArray<[string, Check]> = [
  ['tmux', tmuxCheck],
  ['files', filesCheck],
  ['daemon', daemonCheck],
  ['leftovers', leftoversCheck],
  ['runtimes', runtimesCheck],
  ['disk', diskCheck],
  ['worktrees', worktreesCheck],
];

export interface DoctorLine {
  check: string;
  status: Status;
  what: string;
  hint?: string;
  /** --fix applied a safe fix: what it did (the status is then the one before the fix). */
  fixed?: string;
  fix_failed?: string;
  fixable: boolean;
}

export interface DoctorReport {
  town: string;
  ok: boolean;
  counts: Record<Status, number>;
  checks: DoctorLine[];
}

export async function runDoctor(town: string, opts: { fix: boolean; probe?: boolean }): Promise<DoctorReport> {
  const ctx = { town, layout: townLayout(town), probe: opts.probe ?? true };
  const lines: DoctorLine[] = [];
  for (const [name, check] of CHECKS) {
    let results: CheckResult[];
    try {
      results = await check(ctx);
    } catch (e) {
      results = [{ check: name, status: 'fail', what: `the check itself failed: ${messageOf(e)}` }];
    }
    for (const r of results) {
      const line: DoctorLine = { check: r.check, status: r.status, what: r.what, ...(r.hint ? { hint: r.hint } : {}), fixable: r.fix !== undefined };
      if (opts.fix && r.fix) {
        try {
          line.fixed = await r.fix();
        } catch (e) {
          line.fix_failed = messageOf(e);
        }
      }
      lines.push(line);
    }
  }
  const counts: Record<Status, number> = { ok: 0, warn: 0, fail: 0 };
  for (const l of lines) if (!l.fixed) counts[l.status]++;
  return { town, ok: counts.fail === 0, counts, checks: lines };
}

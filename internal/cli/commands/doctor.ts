import type { CommandContext, CommandSpec } from '../spec.js';
import { paint, printJson } from '../output.js';
import { oneLine } from '../../safe-text.js';

export const spec: CommandSpec = {
  usage: 'gt doctor [--fix] [--json]',
  description: 'Check the town and this machine: one line per check, ok / warn / fail, what was found and how to fix it.',
  options: {
    fix: { type: 'boolean', description: 'apply the safe fixes (stale pid file or socket, leftover marked processes, stale worktree records, merged branches)' },
    json: { type: 'boolean', description: 'print {ok, counts, checks: [...]} as JSON' },
  },
  details: [
    'Checks: tmux version and the town\'s tmux server; the town\'s files against their schemas; the',
    'daemon\'s lock vs pid file vs control socket; leftover processes of this town outside any session;',
    'each runtime the town uses on the daemon\'s PATH, and what can be told of its login state; disk',
    'space; stale worktrees and polecat branches per rig. Exit 1 when a check fails (after --fix), else 0.',
  ].join('\n'),
};

export async function run(ctx: CommandContext): Promise<number> {
  const { runDoctor } = await import('../../doctor/run.js');
  const report = await runDoctor(ctx.town(), { fix: Boolean(ctx.args.values.fix) });
  if (ctx.json) {
    printJson(report);
    return report.ok ? 0 : 1;
  }
  const w = Math.max(...report.checks.map((c) => c.check.length));
  const colour = { ok: 'green', warn: 'yellow', fail: 'red' } as const;
  for (const c of report.checks) {
    const status = c.fixed ? 'fixed' : c.status;
    const tail = c.fixed ? ` -> ${c.fixed}` : c.fix_failed ? ` (fix failed: ${c.fix_failed})` : c.status !== 'ok' && c.hint ? ` (fix: ${c.hint})` : '';
    ctx.out(`${paint(status.padEnd(5), c.fixed ? 'green' : colour[c.status])}  ${c.check.padEnd(w)}  ${oneLine(c.what)}${oneLine(tail)}`);
  }
  ctx.out(`${report.counts.ok} ok, ${report.counts.warn} warn, ${report.counts.fail} fail${report.checks.some((c) => c.fixed) ? `, ${report.checks.filter((c) => c.fixed).length} fixed` : ''}`);
  return report.ok ? 0 : 1;
}

import type { CommandContext, CommandSpec } from '../spec.js';
import { paint, printJson } from '../output.js';
import { oneLine } from '../../safe-text.js';

export const spec: CommandSpec = {
  usage: 'gt doctor [--fix] [--json] [--no-probe]',
  description: 'Check the town and this machine: one line per check, ok / warn / fail, what was found and how to fix it.',
  options: {
    fix: { type: 'boolean', description: 'apply the safe fixes (stale pid file or socket, leftover marked processes, stale worktree records, merged branches)' },
    json: { type: 'boolean', description: 'print {ok, counts, checks: [...]} as JSON' },
    'no-probe': { type: 'boolean', description: 'never start a runtime\'s CLI to read its login state (only running agents\' screens are read)' },
  },
  details: [
    'Checks: tmux version and the town\'s tmux server; the town\'s files against their schemas; the',
    'daemon\'s lock vs pid file vs control socket; leftover processes of this town outside any session;',
    'each runtime the town uses on the daemon\'s PATH; each runtime\'s login and first-run state; disk',
    'space; stale worktrees and polecat branches per rig. Exit 1 when a check fails (after --fix), else 0.',
    '',
    'Login state (login:<runtime>) is read by the runtime\'s blocking-screen recognisers: from the screen',
    'of an agent of it running in the town, else by a probe that starts its CLI as the daemon would (the',
    'daemon\'s HOME, PATH and env, settings/daemon.json env, the preset\'s flags; no first prompt) in a',
    'private tmux server, reads its screen for up to 25 s until its prompt, a sign-in/onboarding/API-key/',
    'trust screen, or its exit, and kills that server. Nothing is typed into it; the town\'s sessions are',
    'never touched. The probe runs in <town>/.runtime/doctor-probe/<runtime>/ (for Claude Code that',
    'directory is marked trusted, as gt does for its agents\' directories). A sign-in screen or an exit',
    'before the prompt fails; --fix never signs in (a person must). The sim needs no login; a custom',
    'runtime has no recogniser (warn: cannot tell).',
  ].join('\n'),
};

export async function run(ctx: CommandContext): Promise<number> {
  const { runDoctor } = await import('../../doctor/run.js');
  const report = await runDoctor(ctx.town(), { fix: Boolean(ctx.args.values.fix), probe: !ctx.args.values['no-probe'] });
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

import type { CommandContext, CommandSpec } from '../spec.js';
import { daemonStatus } from '../../daemon/status.js';
import { townLayout } from '../../town/layout.js';
import { formatDuration } from '../../config/units.js';
import { EXIT } from '../../errors.js';
import { printJson, table } from '../output.js';

export const spec: CommandSpec = {
  usage: 'gt daemon status [--town DIR] [--json]',
  description:
    'Is the daemon running: pid, uptime, tick count, last tick, when it wakes next and why (a deadline such as "deacon backoff ends", or "interval": the recovery_interval safety net), log path.',
  options: { json: { type: 'boolean', description: 'print the status as JSON' } },
  details: 'Exit 0 when running (the control socket answers), 3 when not (as LSB/systemctl do).\nA daemon that holds the lock but does not answer is reported as not answering (exit 3).',
};

export async function run(ctx: CommandContext): Promise<number> {
  const s = await daemonStatus(townLayout(ctx.town()));
  if (ctx.json) {
    printJson(s);
    return s.running ? EXIT.ok : EXIT.notRunning;
  }
  if (!s.running) {
    if (s.lock_holder !== null) {
      ctx.out(`daemon not answering: pid ${s.lock_holder} holds daemon/daemon.lock (starting, stopped or stuck; 'gt daemon stop' stops it)`);
    } else ctx.out('daemon is not running');
    // The usual "nothing listens" needs no explaining; anything else (a socket path too long, a
    // malformed answer) is why `gt daemon start` will not help by itself.
    if (!/\((ENOENT|ECONNREFUSED)\)$/.test(s.reason)) ctx.out(`why: ${s.reason}`);
    if (s.last) ctx.out(`last ran as pid ${s.last.pid}, ${s.last.tick_count} ticks, stopped ${s.last.stopped_at ?? 'without a clean stop'}`);
    ctx.out(`log: ${s.log_path}`);
    return EXIT.notRunning;
  }
  ctx.out(`daemon running (pid ${s.pid})`);
  for (const line of table([
    ['uptime', formatDuration(s.uptime_ms)],
    ['ticks', String(s.tick_count)],
    ['last tick', s.last_tick ? `${s.last_tick} (${s.last_tick_ms}ms)` : '-'],
    ['next wake', s.next_tick ? `${s.next_tick} (${s.next_tick_reason ?? 'interval'})` : '-'],
    ['interval', formatDuration(s.recovery_interval_ms)],
    ['log', s.log_path],
    ...(s.degraded ? [['degraded', `since ${s.degraded.since} (${s.degraded.problem}): ${s.degraded.message}`]] : []),
  ])) ctx.out(`  ${line}`);
  return EXIT.ok;
}

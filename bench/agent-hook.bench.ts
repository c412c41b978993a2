/**
 * Hook cost: what one hook event adds to an agent's tool call. The CLI runs its hook command
 * through a shell with the event's JSON on stdin; this times exactly that (Claude Code's
 * PostToolUse with a 4 KB tool result, and a Notification, which reads its payload), against
 * bare `node -e 0`, interleaved in the same run. Budget (design section 10): <= 0.5x, i.e. no
 * Node start-up on that path.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentHookScript } from '../internal/agent/hooks/events.js';
import { median, percentile, report } from './lib.js';

const runs = Number(process.env.BENCH_RUNS ?? 50);
const town = mkdtempSync(join(tmpdir(), 'gt-bench-hook-'));
const env = { PATH: process.env.PATH, GT_TOWN_ROOT: town, GT_SESSION: 'sh-bench' };
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const command = (event: string) => `${q('/bin/sh')} ${q(agentHookScript())} 'claude' ${q(event)}`;
const postToolUse = JSON.stringify({
  session_id: '7f6f13fa-c16c-4182-90c9-82b5610fb14d',
  hook_event_name: 'PostToolUse',
  tool_name: 'Bash',
  tool_input: { command: 'git log --oneline' },
  tool_response: { stdout: 'x'.repeat(4096), stderr: '', interrupted: false },
});
const notification = JSON.stringify({ session_id: '7f6f13fa', hook_event_name: 'Notification', message: 'Claude needs your permission to use Bash', notification_type: 'permission_prompt' });

function time(cmd: string, args: string[], input?: string): number {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { input: input ?? '', env, stdio: ['pipe', 'ignore', 'ignore'] });
  if (r.error || r.status !== 0) throw r.error ?? new Error(`${cmd} exited ${r.status}`);
  return Number(process.hrtime.bigint() - t) / 1e6;
}

try {
  const base: number[] = [];
  const ptu: number[] = [];
  const notif: number[] = [];
  for (let i = 0; i < runs; i++) {
    base.push(time(process.execPath, ['-e', '0']));
    ptu.push(time('/bin/sh', ['-c', command('PostToolUse')], postToolUse));
    notif.push(time('/bin/sh', ['-c', command('Notification')], notification));
  }
  const b = median(base);
  report('hook: PostToolUse event (median)', median(ptu), b, 'ms', 0.5);
  report('hook: PostToolUse event (p95)', percentile(ptu, 95), percentile(base, 95), 'ms', 0.5);
  report('hook: Notification event, reads payload (median)', median(notif), b, 'ms', 0.5);
} finally {
  rmSync(town, { recursive: true, force: true });
}

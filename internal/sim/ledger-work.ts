import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import type { WorkContext, WorkHook, WorkStatus } from './work.js';

/**
 * What the sim does each cycle once the town has a ledger, by role:
 *   polecat   reads its hook, commits a file for it in its worktree, runs `gt done`
 *   refinery  runs `gt mq process <rig>`
 *   witness   reads its unread mail
 *   deacon    runs `gt deacon heartbeat`
 *   boot      triage: looks at the deacon, nudges it if it runs, and exits (boot is short-lived)
 * Everything goes through gt itself, so the sim exercises the same commands a real agent uses.
 */
export function ledgerWork(cwd: string = process.cwd()): WorkHook {
  let finished: string | undefined;
  return async (ctx: WorkContext): Promise<WorkStatus> => {
    switch (ctx.role) {
      case 'polecat':
        return polecatStep(ctx, cwd, (bead) => (finished = bead), finished);
      case 'refinery': {
        const r = await ctx.runGt(['mq', 'process', ctx.rig!, '--json']);
        if (r.code !== 0) return { state: 'stuck' };
        const merged = (JSON.parse(r.stdout) as { processed?: Array<{ status: string }> }).processed?.length ?? 0;
        if (merged) ctx.say(`gt-sim: processed ${merged} merge queue entr${merged > 1 ? 'ies' : 'y'}`);
        return { state: merged ? 'working' : 'idle' };
      }
      case 'witness': {
        const r = await ctx.runGt(['mail', 'inbox', '--unread', '--json']);
        if (r.code !== 0) return { state: 'stuck' };
        const unread = JSON.parse(r.stdout) as Array<{ id: string; subject: string }>;
        for (const m of unread) {
          await ctx.runGt(['mail', 'read', m.id]);
          ctx.say(`gt-sim: read mail ${m.id}: ${m.subject}`);
        }
        return { state: 'idle' };
      }
      case 'deacon': {
        const r = await ctx.runGt(['deacon', 'heartbeat', '--action', 'patrol']);
        return { state: r.code === 0 ? 'working' : 'stuck' };
      }
      case 'boot':
        return bootStep(ctx);
      default:
        return { state: 'idle' };
    }
  };
}

async function polecatStep(ctx: WorkContext, cwd: string, markDone: (bead: string) => void, finished: string | undefined): Promise<WorkStatus> {
  if (finished) return { state: 'done', bead: finished };
  const r = await ctx.runGt(['hook', '--json']);
  if (r.code !== 0) return { state: 'stuck' };
  const hook = (JSON.parse(r.stdout) as { hook: { id: string; title: string } | null }).hook;
  if (!hook) return { state: 'idle' };
  ctx.say(`gt-sim: working on ${hook.id}: ${hook.title}`);
  const dir = join(cwd, 'work');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${hook.id}.md`), `# ${hook.title}\n\nDone by ${ctx.identity}.\n`);
  const email = `${ctx.identity.replace(/[^a-zA-Z0-9]+/g, '.')}@gt.local`;
  const git = simpleGit(cwd).env({
    ...process.env,
    GIT_AUTHOR_NAME: ctx.identity,
    GIT_AUTHOR_EMAIL: email,
    GIT_COMMITTER_NAME: ctx.identity,
    GIT_COMMITTER_EMAIL: email,
  });
  await git.add(['work']);
  await git.commit(`${hook.id}: ${hook.title}`);
  const done = await ctx.runGt(['done', '--json']);
  if (done.code !== 0) {
    ctx.say(`gt-sim: gt done failed: ${done.stderr.trim()}`);
    return { state: 'stuck', bead: hook.id };
  }
  ctx.say(`gt-sim: done with ${hook.id}`);
  markDone(hook.id);
  return { state: 'done', bead: hook.id };
}

async function bootStep(ctx: WorkContext): Promise<WorkStatus> {
  const r = await ctx.runGt(['agents', '--json']);
  const deacon = r.code === 0 ? (JSON.parse(r.stdout) as Array<{ identity: string; liveness: string }>).find((a) => a.identity === 'deacon') : undefined;
  ctx.say(`gt-sim: boot triage: deacon is ${deacon?.liveness ?? 'unknown'}`);
  if (deacon?.liveness === 'alive') await ctx.runGt(['nudge', 'deacon', 'BOOT_CHECK: your heartbeat is stale; run your patrol (gt deacon heartbeat)']);
  // Triage done: boot leaves, as a short-lived watchdog does.
  setTimeout(() => process.exit(0), 200);
  return { state: 'done' };
}

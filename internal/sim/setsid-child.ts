import { spawn } from 'node:child_process';

/**
 * For tests of "kill the whole tree": a child that leaves the sim's session and process group
 * (spawn detached = setsid), ignores SIGHUP and sleeps, so only a kill that walks /proc reaches
 * it. It calls itself gt-sim-child, which is deliberately not a runtime process name: the child
 * alone must never make an agent look alive. It exits by itself after `lifetimeMs` so a test that
 * dies halfway cannot leave it behind forever.
 */
export function spawnSetsidChild(lifetimeMs: number): number {
  const script = [
    "process.title = 'gt-sim-child';",
    "process.on('SIGHUP', () => {});",
    `setTimeout(() => process.exit(0), ${Math.max(1, Math.floor(lifetimeMs))});`,
  ].join('\n');
  const child = spawn(process.execPath, ['-e', script], { detached: true, stdio: 'ignore' });
  child.unref();
  if (child.pid === undefined) throw new Error('could not start the setsid child');
  return child.pid;
}

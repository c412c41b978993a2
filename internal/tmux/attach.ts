import { spawn } from 'node:child_process';
import { sessionTarget } from './names.js';
import type { Tmux } from './run.js';

/**
 * Attach the calling terminal to a session, the way a person does with `tmux attach`.
 * Resolves with tmux's exit status once the person detaches. TMUX is dropped from the child's
 * environment so this also works from inside another tmux (it nests).
 */
export function attachSession(tmux: Tmux, session: string): Promise<number> {
  const env = { ...process.env };
  delete env.TMUX;
  return new Promise((resolve, reject) => {
    const child = spawn(tmux.bin, ['-L', tmux.socket, 'attach-session', '-t', sessionTarget(session)], { stdio: 'inherit', env });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

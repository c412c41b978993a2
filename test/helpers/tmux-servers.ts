import { rmSync } from 'node:fs';
import { Tmux, type TmuxOptions } from '../../internal/tmux/run.js';
import { killServer } from '../../internal/tmux/session.js';
import { socketPath } from '../../internal/tmux/socket.js';

/**
 * Private tmux servers for tests: sockets `gt-test-<pid>-<n>`, never the default server and never
 * another test file's. `cleanup()` stops exactly the servers handed out, by socket name.
 */
export interface PrivateServers {
  /** A Tmux bound to a fresh private socket (generous timeout: tests share a busy machine). */
  next(opts?: TmuxOptions): Tmux;
  /** Every socket handed out so far. */
  readonly sockets: readonly string[];
  cleanup(): Promise<void>;
}

let counter = 0;

export function privateServers(): PrivateServers {
  const handed: Tmux[] = [];
  return {
    next(opts: TmuxOptions = {}) {
      counter += 1;
      const t = new Tmux(`gt-test-${process.pid}-${counter}`, { timeoutMs: 20_000, ...opts });
      handed.push(t);
      return t;
    },
    get sockets() {
      return handed.map((t) => t.socket);
    },
    async cleanup() {
      for (const t of handed) {
        // Already stopped by the test is fine; a server that will not stop is worth a failure.
        await killServer(new Tmux(t.socket));
        // The server has exited (killServer waits); its socket file stays behind otherwise.
        rmSync(socketPath(t.socket), { force: true });
      }
    },
  };
}

/** A Tmux that counts its calls (each one tmux process): for O(1)-subprocess checks. */
export class CountingTmux extends Tmux {
  calls = 0;
  override run(...a: Parameters<Tmux['run']>) {
    this.calls++;
    return super.run(...a);
  }
  override runSequence(...a: Parameters<Tmux['runSequence']>) {
    this.calls++;
    return super.runSequence(...a);
  }
}

import { processStartTime, processState } from '../fsx/proc.js';

/**
 * Nothing in tmux fires when the tmux server itself dies (kill-server, a crash): no hook runs.
 * So the daemon watches the server process: a /proc read a few times a second (no subprocess,
 * ~0 CPU), and the moment that process is gone it asks for a tick, which starts the agents on a
 * new server.
 */
export class ServerWatch {
  private pid: number | undefined;
  private startTime: number | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly onExit: (pid: number) => void,
    private readonly everyMs = 250,
  ) {}

  /** Watch this server pid (undefined: there is no server to watch). */
  watch(pid: number | undefined): void {
    if (pid === this.pid && this.timer) return;
    this.stop();
    if (pid === undefined) return;
    const startTime = processStartTime(pid);
    if (startTime === undefined) return; // already gone: the tick that saw it will look again
    this.pid = pid;
    this.startTime = startTime;
    this.timer = setInterval(() => this.check(), this.everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.pid = undefined;
  }

  private check(): void {
    const pid = this.pid;
    if (pid === undefined) return;
    // Gone, a zombie nobody reaped yet, or the pid now names another process: the server exited.
    const state = processState(pid);
    if (processStartTime(pid) === this.startTime && state !== 'Z' && state !== 'X') return;
    this.stop();
    this.onExit(pid);
  }
}

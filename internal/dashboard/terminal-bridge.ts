import type { IPty } from 'node-pty';
import type { WebSocket, RawData } from 'ws';
import { z } from 'zod';
import { GtError, messageOf } from '../errors.js';
import type { TermSize, TerminalTarget } from './terminal-target.js';

/** Browser terminals open at once, for the whole dashboard. */
export const MAX_TERMINALS = 8;
/** Output waiting for a slow browser: above HIGH the pty is no longer read (tmux then skips frames for that client), below LOW it is again. */
export const HIGH_WATER = 1024 * 1024;
export const LOW_WATER = 128 * 1024;

const size = { cols: z.number().int().min(10).max(500), rows: z.number().int().min(5).max(300) };
/** What a page may send: keys (used only in control mode), a size, or the request to take control. */
const clientMessage = z.discriminatedUnion('t', [
  z.object({ t: z.literal('in'), d: z.string().max(64 * 1024) }),
  z.object({ t: z.literal('take'), ...size }),
  z.object({ t: z.literal('resize'), ...size }),
]);

/** What the server says besides the terminal's bytes (which go as binary frames). */
export type TerminalNotice =
  | { t: 'ready'; mode: 'watch' | 'control'; identity: string; session: string; cols: number; rows: number }
  | { t: 'exit'; message: string }
  | { t: 'error'; message: string };

/**
 * One browser terminal: a WebSocket on one side, a tmux client in a pty on the other. It starts
 * watching (a read-only tmux client, and keys from the page dropped here, not only hidden);
 * `take` replaces it with a normal client sized to the page. Output is bounded: while the page
 * has more than HIGH_WATER unsent, the pty is not read. Closing the page ends the client, which
 * detaches it: the session and its agent live on.
 */
export class TerminalBridge {
  private pty: IPty | undefined;
  private mode: 'watch' | 'control' = 'watch';
  private paused = false;
  private closed = false;
  private target: TerminalTarget | undefined;

  constructor(
    private readonly ws: WebSocket,
    private readonly log: (line: string) => void,
  ) {
    ws.on('close', () => this.close());
    ws.on('error', () => this.close());
  }

  /** Attach to what `find` resolves; a failure is told to the page and closes the socket. */
  async open(find: () => Promise<TerminalTarget>): Promise<void> {
    let s: TermSize;
    try {
      this.target = await find();
      s = await this.target.size();
    } catch (e) {
      return this.fail(e instanceof GtError ? e.line : messageOf(e));
    }
    if (this.closed) return;
    this.ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    this.spawn('watch', s);
  }

  private spawn(mode: 'watch' | 'control', s: TermSize): void {
    const target = this.target;
    if (this.closed || !target) return;
    const old = this.pty;
    this.pty = undefined;
    old?.kill();
    this.mode = mode;
    this.paused = false;
    let p: IPty;
    try {
      p = target.attach(mode, s);
    } catch (e) {
      return this.fail(`could not attach to ${target.session}: ${messageOf(e)}`);
    }
    this.pty = p;
    this.log(`terminal ${mode} ${target.identity} (tmux client pid ${p.pid})`);
    p.onData((d) => this.toPage(p, d));
    p.onExit(() => {
      if (this.pty !== p || this.closed) return; // replaced, or we ended it
      this.notice({ t: 'exit', message: `the tmux client ended (${target.session} was closed or the client detached)` });
      this.ws.close(1000, 'terminal ended');
    });
    this.notice({ t: 'ready', mode, identity: target.identity, session: target.session, ...s });
  }

  private toPage(p: IPty, d: string): void {
    if (this.pty !== p || this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(Buffer.from(d, 'utf8'), { binary: true }, () => {
      if (this.paused && this.pty === p && this.ws.bufferedAmount < LOW_WATER) {
        this.paused = false;
        p.resume();
      }
    });
    if (!this.paused && this.ws.bufferedAmount > HIGH_WATER) {
      this.paused = true;
      p.pause();
    }
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    if (isBinary) return;
    let parsed: z.infer<typeof clientMessage>;
    try {
      const r = clientMessage.safeParse(JSON.parse(data.toString()));
      if (!r.success) return;
      parsed = r.data;
    } catch {
      return;
    }
    switch (parsed.t) {
      case 'in':
        // Watching means watching: keys never reach the session, whatever the page sends.
        if (this.mode === 'control') this.pty?.write(parsed.d);
        return;
      case 'take':
        if (this.mode !== 'control') this.spawn('control', { cols: parsed.cols, rows: parsed.rows });
        return;
      case 'resize':
        // A watching client never resizes the agent's window (ignore-size).
        if (this.mode === 'control') this.pty?.resize(parsed.cols, parsed.rows);
        return;
    }
  }

  private notice(n: TerminalNotice): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(n));
  }

  private fail(message: string): void {
    this.notice({ t: 'error', message });
    this.ws.close(1011, 'attach failed');
    this.close();
  }

  /** Detach: end our tmux client. Never the session. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const p = this.pty;
    this.pty = undefined;
    if (p) {
      this.log(`terminal closed ${this.target?.identity} (tmux client pid ${p.pid} detached)`);
      p.kill();
    }
  }
}

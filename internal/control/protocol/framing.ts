/**
 * Line framing for the control socket, shared by the server and every client: bytes in, whole
 * lines out, never more than `maxLineBytes` held for a line that has not ended. Bytes, not
 * characters, so a UTF-8 character split across reads is decoded whole and the cap is exact.
 */
export class LineFramer {
  private parts: Buffer[] = [];
  private held = 0;
  private readonly lines: string[] = [];
  /** When the line now being received started (ms), for slow-client timeouts. */
  partialSince: number | undefined;

  constructor(private readonly maxLineBytes: number) {}

  /** Add received bytes. Returns false when a line grew past the cap (the peer must be dropped). */
  push(chunk: Buffer): boolean {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl < 0) break;
      const piece = chunk.subarray(start, nl);
      if (this.held + piece.length > this.maxLineBytes) return false;
      const line = this.held ? Buffer.concat([...this.parts, piece]).toString('utf8') : piece.toString('utf8');
      this.parts = [];
      this.held = 0;
      this.partialSince = undefined;
      if (line.trim() !== '') this.lines.push(line);
      start = nl + 1;
    }
    const rest = chunk.subarray(start);
    if (rest.length) {
      if (this.held + rest.length > this.maxLineBytes) return false;
      this.parts.push(rest);
      this.held += rest.length;
      this.partialSince ??= Date.now();
    }
    return true;
  }

  /** The next whole line, if any. */
  next(): string | undefined {
    return this.lines.shift();
  }

  get queued(): number {
    return this.lines.length;
  }
}

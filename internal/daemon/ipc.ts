/**
 * Messages `gt daemon run` sends to the `gt daemon start` that spawned it (Node IPC channel),
 * so start can report the real reason a child failed instead of guessing from the log.
 */
export type StartupMessage =
  | { type: 'ready'; pid: number }
  | { type: 'already-running'; pid: number | null }
  | { type: 'failed'; message: string };

export function isStartupMessage(m: unknown): m is StartupMessage {
  if (!m || typeof m !== 'object') return false;
  const t = (m as { type?: unknown }).type;
  return t === 'ready' || t === 'already-running' || t === 'failed';
}

export function tellParent(msg: StartupMessage): void {
  if (!process.send || !process.connected) return;
  try {
    process.send(msg);
  } catch {
    // The starter may already have gone; the daemon carries on.
  }
}

export function releaseParent(): void {
  if (process.connected) process.disconnect();
}

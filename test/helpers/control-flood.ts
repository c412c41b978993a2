import net from 'node:net';
import { join } from 'node:path';

/**
 * A control-socket client that pipelines `status` requests and never reads an answer, until the
 * daemon hangs up or `max` were sent: what the daemon must drop, not buffer (issue 10).
 */
export async function floodControlSocket(root: string, max: number): Promise<{ sent: number; dropped: boolean }> {
  const sock = net.connect(join(root, 'daemon', 'control.sock'));
  let closed = false;
  sock.on('close', () => (closed = true));
  sock.on('error', () => undefined);
  sock.pause();
  await Promise.race([new Promise((r) => sock.once('connect', r)), new Promise((r) => sock.once('close', r))]);
  const batch = `${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'status' })}\n`.repeat(1000);
  let sent = 0;
  while (!closed && sent < max) {
    if (!sock.write(batch)) await Promise.race([new Promise((r) => sock.once('drain', r)), new Promise((r) => setTimeout(r, 250))]);
    sent += 1000;
  }
  const dropped = closed;
  sock.destroy();
  return { sent, dropped };
}

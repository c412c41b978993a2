import { spawn } from 'node:child_process';
import type { NotifyPayload } from './event.js';
import type { Sink } from './sink.js';

/**
 * A notifier command, run without a shell: argv as configured, where an argument that is exactly
 * or contains `{title}`, `{message}`, `{kind}`, `{severity}`, `{agent}` or `{town}` gets that
 * field substituted (as argv text, never parsed by a shell), the whole event as JSON on stdin,
 * and GT_NOTIFY_KIND, GT_NOTIFY_TITLE, GT_NOTIFY_MESSAGE, GT_NOTIFY_SEVERITY, GT_NOTIFY_AGENT,
 * GT_NOTIFY_JSON in its environment. Exit 0 = delivered. Aborting ends its process group.
 */
export class CommandSink implements Sink {
  readonly name = 'command';

  constructor(
    private readonly argv: readonly string[],
    private readonly killGraceMs = 2_000,
  ) {}

  send(p: NotifyPayload, signal: AbortSignal): Promise<void> {
    const fields: Record<string, string> = {
      title: p.title,
      message: p.message,
      kind: p.kind,
      severity: p.severity,
      agent: p.agent ?? '',
      town: p.town,
    };
    const argv = this.argv.map((a) => a.replace(/\{(title|message|kind|severity|agent|town)\}/g, (_, k: string) => fields[k]!));
    const json = JSON.stringify(p);
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(new Error('aborted'));
      const child = spawn(argv[0]!, argv.slice(1), {
        detached: true,
        stdio: ['pipe', 'ignore', 'pipe'],
        env: {
          ...process.env,
          GT_NOTIFY_KIND: p.kind,
          GT_NOTIFY_TITLE: p.title,
          GT_NOTIFY_MESSAGE: p.message,
          GT_NOTIFY_SEVERITY: p.severity,
          GT_NOTIFY_AGENT: p.agent ?? '',
          GT_NOTIFY_JSON: json,
        },
      });
      let stderr = '';
      let grace: NodeJS.Timeout | undefined;
      const kill = (sig: NodeJS.Signals) => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, sig);
        } catch {
          // Already gone.
        }
      };
      const onAbort = () => {
        kill('SIGTERM');
        grace = setTimeout(() => kill('SIGKILL'), this.killGraceMs);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      child.stderr!.on('data', (d: Buffer) => {
        if (stderr.length < 2_000) stderr += d.toString('utf8');
      });
      // A command that does not read its stdin must not fail the delivery with EPIPE.
      child.stdin!.on('error', () => undefined);
      child.stdin!.end(json);
      child.on('error', (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(new Error(`${argv[0]}: ${e.message}`));
      });
      child.on('close', (code, sig) => {
        signal.removeEventListener('abort', onAbort);
        clearTimeout(grace);
        if (code === 0) return resolve();
        const why = signal.aborted ? 'timed out' : code !== null ? `exited ${code}` : `killed by ${sig}`;
        const last = stderr.trim().split('\n').at(-1)?.slice(0, 200);
        reject(new Error(`${argv[0]} ${why}${last ? `: ${last}` : ''}`));
      });
    });
  }
}

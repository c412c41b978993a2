import { spawn } from 'node:child_process';
import type { CommandContext, CommandSpec } from '../spec.js';
import { printJson } from '../output.js';
import { townLayout } from '../../town/layout.js';

export const spec: CommandSpec = {
  usage: 'gt dashboard [--port N] [--listen ADDR [--allow-remote]] [--open] [--stop] [--foreground] [--json]',
  description:
    "Serve the town's live web dashboard (agents, rigs, merge queue, events, actions, a terminal into any agent) and print its address with the town's access token. Starts it in the background if it is not running yet; it keeps running until 'gt dashboard --stop' or 'gt down'.",
  options: {
    port: { type: 'string', arg: 'N', description: 'port to listen on (default: the one used last, else any free port)' },
    listen: { type: 'string', arg: 'ADDR', description: 'address to listen on (default 127.0.0.1); a non-loopback address also needs --allow-remote' },
    'allow-remote': { type: 'boolean', description: 'allow --listen on an address other machines can reach (prints a warning)' },
    open: { type: 'boolean', description: 'open the page in the default browser (xdg-open)' },
    stop: { type: 'boolean', description: 'stop the running dashboard (only the process proven to be this town\'s dashboard; gt down stops it too)' },
    foreground: { type: 'boolean', description: 'serve in this process until interrupted (what the background start runs)' },
    json: { type: 'boolean', description: 'print {started, pid, url, open_url, token, host, port} (or {stopped, pid, forced, note?}) as JSON' },
  },
  details: [
    'Access needs the token (dashboard/token in the town, mode 0600, made on first use): the printed',
    'URL carries it once, then the page keeps it in a cookie. Anything without it gets 401.',
    'The terminal is read-only until you click "take control"; closing the page detaches, never kills.',
    "New token: gt dashboard --stop; rm <town>/dashboard/token; gt dashboard.",
  ].join('\n'),
};

export async function run(ctx: CommandContext): Promise<number> {
  const layout = townLayout(ctx.town());
  const v = ctx.args.values;
  const dash = await import('../../dashboard/start.js');

  if (v.stop) {
    const r = await dash.stopDashboard(layout);
    if (ctx.json) printJson(r);
    else {
      ctx.out(r.stopped ? `dashboard stopped (pid ${r.pid})${r.forced ? ' with SIGKILL' : ''}` : 'dashboard is not running');
      if (r.note) ctx.err(`gt: note: ${r.note}`);
    }
    return 0;
  }

  const { chooseListen, isLoopback, remoteWarning } = await import('../../dashboard/listen.js');
  const { ensureToken } = await import('../../dashboard/auth.js');
  const req = { listen: v.listen as string | undefined, port: v.port as string | undefined, allowRemote: Boolean(v['allow-remote']) };
  // Refused here, before anything starts: a non-loopback address without --allow-remote.
  const addr = chooseListen(req, dash.previousPort(layout));

  if (v.foreground) {
    const warning = remoteWarning(addr);
    if (warning) ctx.err(`gt: ${warning}`);
    const { serveDashboard } = await import('../../dashboard/serve.js');
    const tty = process.stderr.isTTY;
    return serveDashboard(layout.root, {
      listen: addr,
      portIsDefault: req.port === undefined,
      echo: tty ? (l) => process.stderr.write(`${l}\n`) : undefined,
      // Only to a person at a terminal: started in the background, this output is the log file.
      onReady: tty ? (url) => ctx.out(`open: ${dash.openUrl(url, ensureToken(layout))}`) : undefined,
    });
  }

  const r = await dash.ensureDashboard(layout, req);
  // Said every time the address is reachable from elsewhere, not only when it was started so.
  const warning = remoteWarning({ ...r, loopback: isLoopback(r.host) });
  if (warning) ctx.err(`gt: ${warning}`);
  const token = ensureToken(layout);
  const open_url = dash.openUrl(r.url, token);
  if (ctx.json) printJson({ ...r, open_url, token });
  else {
    ctx.out(r.started ? `dashboard started at ${r.url} (pid ${r.pid})` : `dashboard running at ${r.url} (pid ${r.pid})`);
    ctx.out(`open: ${open_url}`);
    ctx.out(`token: ${token} (kept in ${layout.dashboardToken}, mode 0600)`);
  }
  if (v.open) openInBrowser(open_url, ctx);
  return 0;
}

/** Best effort: a box without a desktop just has no browser to open. */
function openInBrowser(url: string, ctx: CommandContext): void {
  const child = spawn('xdg-open', [url], { stdio: 'ignore', detached: true });
  child.on('error', () => ctx.err('gt: could not run xdg-open; open the URL above yourself'));
  child.unref();
}

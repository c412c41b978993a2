import { createHash } from 'node:crypto';
import { readFileBounded } from '../fsx/read.js';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { packageRoot } from '../fsx/package-root.js';
import { GtError } from '../errors.js';

const require = createRequire(import.meta.url);

/** The largest asset served (xterm.mjs is a few hundred KB). */
const MAX_ASSET_BYTES = 8 * 1024 * 1024;

export interface StaticFile {
  body: Buffer;
  type: string;
  etag: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** A file of an installed package, found the way Node finds the package (no path guessing). */
function fromPackage(pkg: string, rel: string): string {
  return join(dirname(require.resolve(`${pkg}/package.json`)), rel);
}

function pageAsset(name: string): string {
  return join(packageRoot(), 'internal', 'dashboard', 'static', name);
}

/**
 * Every file the server hands out, by URL path: a fixed table, so no request path ever reaches
 * the file system. The page's own assets live in ./static; xterm.js comes from node_modules.
 */
function table(): Record<string, string> {
  return {
    '/': pageAsset('index.html'),
    '/assets/style.css': pageAsset('style.css'),
    '/assets/app.js': pageAsset('app.js'),
    '/assets/live.js': pageAsset('live.js'),
    '/assets/render.js': pageAsset('render.js'),
    '/assets/actions.js': pageAsset('actions.js'),
    '/assets/terminal.js': pageAsset('terminal.js'),
    '/assets/format.js': pageAsset('format.js'),
    '/assets/favicon.svg': pageAsset('favicon.svg'),
    '/assets/xterm.mjs': fromPackage('@xterm/xterm', 'lib/xterm.mjs'),
    '/assets/xterm.css': fromPackage('@xterm/xterm', 'css/xterm.css'),
    '/assets/addon-fit.mjs': fromPackage('@xterm/addon-fit', 'lib/addon-fit.mjs'),
  };
}

/** Read every asset once at start-up: a missing one is a broken install, reported then, not on a click. */
export function loadStaticFiles(): Map<string, StaticFile> {
  const out = new Map<string, StaticFile>();
  for (const [url, file] of Object.entries(table())) {
    // Source maps are not served: strip the comment so browsers do not ask for them.
    const r = readFileBounded(file, { cap: MAX_ASSET_BYTES });
    if (!r.ok) throw new GtError('IO', `gt's own file ${file} ${r.missing ? 'is missing' : r.invalid}`, { hint: 'reinstall gt (npm ci)' });
    let body: Buffer = r.data;
    if (file.endsWith('.mjs')) body = Buffer.from(body.toString('utf8').replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n'));
    const ext = /\.[a-z]+$/.exec(file)?.[0] ?? '';
    out.set(url, { body, type: TYPES[ext] ?? 'application/octet-stream', etag: `"${createHash('sha1').update(body).digest('base64url')}"` });
  }
  return out;
}

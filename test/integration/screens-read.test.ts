/**
 * The screen pipeline the state model uses, on a real tmux server with a private socket: every
 * recorded screen (test/fixtures/screens) drawn again in a pane of its own size, all of them read
 * with one tmux call (readBlockingScreens -> capturePanes) and recognised per runtime.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { readBlockingScreens } from '../../internal/session/screens.js';
import { capturePanes, createSession } from '../../internal/tmux/index.js';
import { CountingTmux, privateServers } from '../helpers/tmux-servers.js';
import { REPO, tempDir } from '../helpers/town.js';

const servers = privateServers();
const dir = tempDir('gt-screens-read-');
test.after(async () => {
  await servers.cleanup();
  rmSync(dir, { recursive: true, force: true });
});


interface Shown {
  session: string;
  cli: string;
  file: string;
  expect: string | null;
  text: string;
}

test('every recorded screen, redrawn in a pane of its size, is recognised from one batched read', async () => {
  const t = servers.next();
  const root = join(REPO, 'test', 'fixtures', 'screens');
  const shown: Shown[] = [];
  for (const d of readdirSync(root).filter((x) => x.includes('@')).sort()) {
    const cli = d.split('@')[0]!;
    const index = JSON.parse(readFileSync(join(root, d, 'index.json'), 'utf8')) as { screens: { file: string; expect: string | null; width: number; height: number }[] };
    for (const e of index.screens) {
      const session = `s${shown.length}`;
      // printf without the final newlines: the rows land where they were, nothing scrolls.
      await createSession(t, { name: session, cwd: dir, command: ['/bin/sh', '-c', 'printf "%s" "$(cat "$1")"; exec sleep 100000', 'show', join(root, d, e.file)], width: e.width, height: e.height, healthWindowMs: 20 });
      shown.push({ session, cli, file: `${d}/${e.file}`, expect: e.expect, text: readFileSync(join(root, d, e.file), 'utf8') });
    }
  }
  assert.ok(shown.length >= 60, `${shown.length} screens`);
  const counting = new CountingTmux(t.socket, { timeoutMs: 30_000 });
  // The panes draw asynchronously: read until every one shows its last non-blank row.
  const lastRow = (s: string) => s.trimEnd().split('\n').at(-1)!.trim();
  let verdicts = new Map<string, unknown>();
  const deadline = Date.now() + 30_000;
  for (;;) {
    counting.calls = 0;
    verdicts = await readBlockingScreens(counting, shown.map((s) => ({ target: s.session, runtime: s.cli })));
    assert.is(counting.calls, 1, 'one tmux call for every screen');
    const raw = await readBlockingScreens(counting, shown.map((s) => ({ target: s.session, runtime: 'sim' })));
    assert.ok([...raw.values()].every((v) => v === null), 'the sim has no blocking screens');
    const texts = await capturePanes(t, shown.map((s) => s.session));
    if (shown.every((s) => { const c = texts.get(s.session); return c?.ok && c.text.includes(lastRow(s.text)); })) break;
    if (Date.now() > deadline) throw new Error('panes did not draw their screens');
    await new Promise((r) => setTimeout(r, 200));
  }
  for (const s of shown) {
    const v = verdicts.get(s.session) as { kind: string } | null | undefined;
    assert.ok(v !== undefined, `${s.file} was read`);
    assert.is(v?.kind ?? null, s.expect, `${s.file} through tmux`);
  }
  // A target that is gone reads as undefined (unknown), never as "no screen".
  const gone = await readBlockingScreens(t, [{ target: '%99999', runtime: 'claude' }, { target: shown[0]!.session, runtime: undefined }]);
  assert.is(gone.get('%99999'), undefined);
  assert.ok(gone.has(shown[0]!.session));
});

test.run();

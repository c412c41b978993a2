/**
 * capturePanes on a real tmux server with a private socket: many panes' screens in one tmux call,
 * a vanished pane in the middle, output bounds, wrapped lines joined. A wrapper binary counts the
 * tmux processes each call spawns.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tmux, TmuxError, capturePanes, createSession, findSession, snapshot } from '../../internal/tmux/index.js';
import { privateServers } from '../helpers/tmux-servers.js';
import { tempDir, waitFor } from '../helpers/town.js';

const servers = privateServers();
const dir = tempDir('gt-tmux-capture-');

test.after(async () => {
  await servers.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/** A Tmux on the same socket whose every process is counted. */
function counted(t: Tmux, name: string): { tmux: Tmux; calls: () => number } {
  const log = join(dir, `${name}.calls`);
  const bin = join(dir, `${name}-tmux`);
  writeFileSync(bin, `#!/bin/sh\necho x >> '${log}'\nexec tmux "$@"\n`);
  chmodSync(bin, 0o755);
  return { tmux: new Tmux(t.socket, { bin, timeoutMs: 20_000 }), calls: () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean).length : 0) };
}

/** A pane that prints `text` and then waits. */
function printer(text: string): string[] {
  return ['/bin/sh', '-c', `printf '%s\\n' "$1"; exec sleep 100000`, 'printer', text];
}

async function paneIds(t: Tmux, sessions: string[]): Promise<string[]> {
  const snap = await snapshot(t);
  if (!snap.ok) throw snap.error;
  return sessions.map((s) => findSession(snap, s)!.panes[0]!.paneId);
}

test('forty panes in one tmux call, each screen its own', async () => {
  const t = servers.next();
  const names = Array.from({ length: 40 }, (_, i) => `agent-${i}`);
  for (const [i, n] of names.entries()) await createSession(t, { name: n, cwd: dir, command: printer(`screen of pane ${i} ;; \\; #{pane_id}`), width: 100, height: 10, healthWindowMs: 50 });
  const ids = await paneIds(t, names);
  await waitFor('every pane printed', async () => {
    const r = await capturePanes(t, ids);
    return ids.every((id, i) => { const c = r.get(id); return c?.ok && c.text.includes(`screen of pane ${i} ;`); });
  });
  const { tmux, calls } = counted(t, 'forty');
  const r = await capturePanes(tmux, ids);
  assert.is(calls(), 1, 'one tmux process for forty panes');
  assert.is(r.size, 40);
  for (const [i, id] of ids.entries()) {
    const c = r.get(id)!;
    assert.ok(c.ok, id);
    if (!c.ok) continue;
    // Exactly this pane's screen: its line (tmux syntax in it arrives as text), no other pane's.
    assert.ok(c.text.includes(`screen of pane ${i} ;; \\; #{pane_id}`), `${id}: ${c.text}`);
    assert.not.ok(/screen of pane (\d+)/g.exec(c.text.replace(`screen of pane ${i} `, ''))?.[1], `${id} holds only its own screen`);
    assert.is(c.truncated, false);
    assert.not.ok(c.text.includes('gt-capture-'), 'no marker in a screen');
  }
});

test('a pane that vanished is not-found; the others still come back (one more call per gap)', async () => {
  const t = servers.next();
  const names = ['v-a', 'v-b', 'v-c', 'v-d'];
  for (const n of names) await createSession(t, { name: n, cwd: dir, command: printer(`hello from ${n}`), healthWindowMs: 50 });
  const ids = await paneIds(t, names);
  await waitFor('panes printed', async () => {
    const r = await capturePanes(t, ids);
    return ids.every((id) => { const c = r.get(id); return c?.ok && c.text.includes('hello from'); });
  });
  const { tmux, calls } = counted(t, 'vanished');
  // A pane id that does not exist, between live ones; a session name as a target too.
  const r = await capturePanes(tmux, [ids[0]!, '%99999', ids[1]!, 'v-c', 'no-such-session', ids[3]!]);
  assert.is(calls(), 3, 'one call, plus one per missing target');
  for (const missing of ['%99999', 'no-such-session']) {
    const c = r.get(missing)!;
    assert.ok(!c.ok && c.reason === 'not-found' && /can't find/.test(c.message), `${missing}: ${JSON.stringify(c)}`);
  }
  for (const [k, n] of [[ids[0]!, 'v-a'], [ids[1]!, 'v-b'], ['v-c', 'v-c'], [ids[3]!, 'v-d']] as const) {
    const c = r.get(k)!;
    assert.ok(c.ok && c.text.includes(`hello from ${n}`), `${k}: ${JSON.stringify(c)}`);
  }
});

test('output is bounded: each pane keeps its bottom part, a batch too big is split, one pane too big is refused', async () => {
  const t = servers.next();
  const names = ['big-a', 'big-b', 'big-c'];
  const fill = (tag: string) => ['/bin/sh', '-c', `i=0; while [ $i -lt 60 ]; do printf '%s-%02d-%s\\n' "${tag}" $i "$(printf 'x%.0s' $(seq 1 150))"; i=$((i+1)); done; printf 'LAST-${tag}'; exec sleep 100000`];
  for (const n of names) await createSession(t, { name: n, cwd: dir, command: fill(n), width: 200, height: 50, healthWindowMs: 50 });
  const ids = await paneIds(t, names);
  await waitFor('screens full', async () => {
    const r = await capturePanes(t, ids);
    return ids.every((id, i) => { const c = r.get(id); return c?.ok && c.text.includes(`LAST-${names[i]}`); });
  });
  // Per pane: only the bottom 500 characters, cut at a row.
  const small = await capturePanes(t, ids, { maxCharsPerPane: 500 });
  for (const [i, id] of ids.entries()) {
    const c = small.get(id)!;
    assert.ok(c.ok && c.truncated && c.text.length <= 500 && c.text.includes(`LAST-${names[i]}`) && /^big-/.test(c.text), `${id}: ${JSON.stringify(c).slice(0, 200)}`);
  }
  // Per call: ~7.6k characters a screen; 12k per call means 3 panes -> 2 + 1 -> 1 + 1 + 1.
  const { tmux, calls } = counted(t, 'bounded');
  const split = await capturePanes(tmux, ids, { maxBuffer: 12_000 });
  for (const [i, id] of ids.entries()) {
    const c = split.get(id)!;
    assert.ok(c.ok && c.text.includes(`LAST-${names[i]}`), `${id} after splitting`);
  }
  assert.ok(calls() >= 3 && calls() <= 5, `split into a bounded number of calls (${calls()})`);
  const refused = await capturePanes(t, [ids[0]!], { maxBuffer: 2_000 });
  assert.is(refused.get(ids[0]!)!.ok, false);
  assert.is((refused.get(ids[0]!) as { reason: string }).reason, 'too-large');
});

test('wrapped lines read back joined; nothing to capture spawns nothing; no server is an error', async () => {
  const t = servers.next();
  const long = `${'word '.repeat(60)}END`;
  await createSession(t, { name: 'wrap', cwd: dir, command: printer(long), width: 80, height: 10, healthWindowMs: 50 });
  const [id] = await paneIds(t, ['wrap']);
  const c = await waitFor('long line', async () => {
    const r = (await capturePanes(t, [id!])).get(id!);
    return r?.ok && r.text.includes('END') ? r : undefined;
  });
  assert.ok(c.ok && c.text.split('\n').some((l) => l.trim() === long.trim()), 'one row, joined');
  const { tmux, calls } = counted(t, 'empty');
  assert.is((await capturePanes(tmux, [])).size, 0);
  assert.is(calls(), 0);
  const gone = servers.next();
  try {
    await capturePanes(gone, ['%1']);
    assert.unreachable('no server');
  } catch (e) {
    assert.instance(e, TmuxError);
    assert.ok((e as TmuxError).noServer);
  }
});

test.run();

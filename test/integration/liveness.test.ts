/**
 * The liveness matrix on real tmux panes (private socket): alive / zombie / dead / unknown for
 * the shapes agents really take. Fake `claude` and `2.1.197` binaries are copies of /bin/sleep,
 * so their kernel name (comm) and argv[0] are those names, as with the real programs.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { copyFileSync, chmodSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { explainLiveness, liveness } from '../../internal/agent/liveness.js';
import { readProcTable } from '../../internal/fsx/proc.js';
import { Tmux, createSession, findSession, snapshot, type Snapshot } from '../../internal/tmux/index.js';
import { privateServers } from '../helpers/tmux-servers.js';
import { tempDir, waitFor } from '../helpers/town.js';

const dir = tempDir('gt-liveness-');
const bin = join(dir, 'bin');
mkdirSync(bin);
for (const name of ['claude', '2.1.197', 'codex']) copyFileSync('/bin/sleep', join(bin, name));
chmodSync(join(bin, 'claude'), 0o755);
chmodSync(join(bin, '2.1.197'), 0o755);
chmodSync(join(bin, 'codex'), 0o755);
// A wrapper script that runs the agent as a child (no exec), as many install scripts do.
writeFileSync(join(bin, 'run-agent'), `#!/bin/sh\n"${bin}/claude" 1000\necho agent exited\n`, { mode: 0o755 });
// A node program known by its script name, like `node /path/gt-sim.js`.
writeFileSync(join(bin, 'gt-sim.js'), 'setInterval(() => {}, 1000);\n');

const CLAUDE = ['claude', 'node', '<version>'];
/** Private servers (`gt-test-<pid>-<n>`), stopped by socket name after the file. */
const servers = privateServers();
const privateTmux = (): Tmux => servers.next();

test.after(async () => {
  await servers.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const t = privateTmux();

async function snap(): Promise<Snapshot> {
  const s = await snapshot(t);
  assert.ok(s.ok, 'snapshot ok');
  return s;
}

/** Poll until the session's liveness is `want` (panes take a moment to exec their program). */
async function expectLiveness(session: string, names: readonly string[], want: string): Promise<void> {
  let last = '';
  try {
    await waitFor(`${session} to be ${want}`, async () => {
      const d = explainLiveness(await snap(), session, names, readProcTable);
      last = `${d.state}: ${d.reason}`;
      return d.state === want;
    }, 20_000);
  } catch (e) {
    throw new Error(`${session}: wanted ${want}, last saw ${last}`);
  }
}

async function start(name: string, command: readonly string[] | string): Promise<void> {
  const r = await createSession(t, { name, cwd: dir, command, healthWindowMs: 200 });
  assert.equal(r.died, false, `${name} started`);
}

test('pane command node / claude / 2.1.197 is alive', async () => {
  await start('node-agent', [process.execPath, '-e', 'setInterval(() => {}, 1000)']);
  await start('claude-agent', [join(bin, 'claude'), '1000']);
  await start('version-agent', [join(bin, '2.1.197'), '1000']);
  await expectLiveness('node-agent', CLAUDE, 'alive');
  await expectLiveness('claude-agent', CLAUDE, 'alive');
  await expectLiveness('version-agent', CLAUDE, 'alive');
  const s = await snap();
  assert.equal(findSession(s, 'claude-agent')!.panes[0]!.currentCommand, 'claude');
  assert.equal(findSession(s, 'version-agent')!.panes[0]!.currentCommand, '2.1.197');
  // The version name only counts for a runtime that lists <version>; codex's names do not match.
  assert.equal(liveness(s, 'version-agent', ['claude'], readProcTable), 'zombie');
  assert.equal(liveness(s, 'claude-agent', ['codex', 'node'], readProcTable), 'zombie');
});

test('a shell whose child is the agent is alive (found in the /proc tree, not the pane command)', async () => {
  await start('shell-child', ['sh', '-c', `"${bin}/claude" 1000; echo done`]);
  await expectLiveness('shell-child', CLAUDE, 'alive');
  const s = await snap();
  assert.equal(findSession(s, 'shell-child')!.panes[0]!.currentCommand, 'sh');
  assert.match(explainLiveness(s, 'shell-child', CLAUDE).reason, /process \d+ \(claude\)/);
});

test('a wrapper script running the agent, and a node script named like the runtime, are alive', async () => {
  await start('wrapper', [join(bin, 'run-agent')]);
  await expectLiveness('wrapper', CLAUDE, 'alive');
  await start('sim', [process.execPath, join(bin, 'gt-sim.js')]);
  await expectLiveness('sim', ['gt-sim'], 'alive');
  assert.equal(liveness(await snap(), 'sim', ['gt-other'], readProcTable), 'zombie');
});

test('a session with a second pane: the agent in either pane counts', async () => {
  await start('two-panes', ['sh', '-c', 'exec sleep 1000']);
  execFileSync('tmux', ['-L', t.socket, 'split-window', '-d', '-t', '=two-panes:', '--', join(bin, 'claude'), '1000']);
  const s = await waitFor('two panes', async () => {
    const x = await snap();
    return findSession(x, 'two-panes')!.panes.length === 2 ? x : undefined;
  });
  assert.equal(findSession(s, 'two-panes')!.panes[0]!.currentCommand, 'sleep', 'the active pane is not the agent');
  await expectLiveness('two-panes', CLAUDE, 'alive');
});

test('zombie: the agent exited and only a shell is left', async () => {
  await start('left-shell', ['sh', '-c', `"${bin}/claude" 1; exec sh`]);
  await expectLiveness('left-shell', CLAUDE, 'alive');
  await expectLiveness('left-shell', CLAUDE, 'zombie');
  assert.match(explainLiveness(await snap(), 'left-shell', CLAUDE).reason, /only a shell/);
});

test('zombie: every pane is dead (remain-on-exit kept them)', async () => {
  await start('all-dead', [join(bin, 'claude'), '1000']);
  await expectLiveness('all-dead', CLAUDE, 'alive');
  const pane = findSession(await snap(), 'all-dead')!.panes[0]!;
  const pid = pane.pid;
  // A pane option: createSession left remain-on-exit explicitly off on this pane.
  execFileSync('tmux', ['-L', t.socket, 'set-option', '-p', '-t', pane.paneId, 'remain-on-exit', 'on']);
  process.kill(pid, 'SIGKILL'); // the pane's own process, started by this test
  await waitFor('pane dead', async () => findSession(await snap(), 'all-dead')?.panes[0]?.dead === true);
  await expectLiveness('all-dead', CLAUDE, 'zombie');
  assert.match(explainLiveness(await snap(), 'all-dead', CLAUDE).reason, /every pane is dead/);
});

test('base-index 1: windows numbered from 1 change nothing', async () => {
  execFileSync('tmux', ['-L', t.socket, 'set-option', '-g', 'base-index', '1']);
  execFileSync('tmux', ['-L', t.socket, 'set-option', '-g', 'pane-base-index', '1']);
  await start('based', [join(bin, 'claude'), '1000']);
  const s = await snap();
  const p = findSession(s, 'based')!.panes[0]!;
  assert.equal(p.windowIndex, 1);
  assert.equal(p.paneIndex, 1);
  await expectLiveness('based', CLAUDE, 'alive');
});

test('dead: no such session (and an exact name: "node" is not "node-agent")', async () => {
  const s = await snap();
  assert.equal(liveness(s, 'no-such-session', CLAUDE), 'dead');
  assert.equal(liveness(s, 'node', CLAUDE), 'dead');
  assert.equal(liveness(await snapshot(privateTmux()), 'node-agent', CLAUDE), 'dead', 'a server that is not running has no sessions');
});

test('unknown: tmux could not be asked', async () => {
  const broken = join(dir, 'broken-tmux');
  writeFileSync(broken, '#!/bin/sh\necho "lost server" >&2\nexit 1\n', { mode: 0o755 });
  const s = await snapshot(new Tmux(t.socket, { bin: broken }));
  assert.equal(s.ok, false);
  assert.equal(liveness(s, 'node-agent', CLAUDE), 'unknown');
  // The real server still answers, so this is the transient failure, not the session's state.
  assert.equal(liveness(await snap(), 'node-agent', CLAUDE, readProcTable), 'alive');
});

test.run();

/**
 * `gt up` and a session someone else is still starting. While an agent loads, its pane shows a
 * placeholder, a shell or a wrapper, which looks exactly like a zombie. Inside the startup grace
 * `gt up` must wait for it (the daemon it has just launched may be the one starting it), not kill
 * it; past the grace a session that never became an agent is a zombie and is replaced.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GT_BIN, gt, makeTown, townSocket, waitFor, type TempTown } from '../helpers/town.js';

let town: TempTown;
let socket: string;
const tmux = (...args: string[]) => spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
const panePid = () => tmux('display-message', '-p', '-t', '=hq-deacon:', '#{pane_pid}').stdout.trim();
const GRACE_MS = 3_000;

test.before(async () => {
  town = await makeTown({
    agent: 'sim',
    settings: {
      daemon: { recovery_interval: '1h' },
      agents_health: { startup_grace: `${GRACE_MS}ms` },
      roles: { mayor: { enabled: false } },
    },
  });
  socket = await townSocket(town.root);
  town.daemonSettings({ env: { GT_SIM_WORK: '0' } });
});
test.after(async () => {
  await gt(['down', '--town', town.root]);
  tmux('kill-server');
  await town.cleanup();
});

/** Start hq-deacon by hand, the way a slow launcher would: `sh` sleeps, then becomes `then`. */
function startByHand(delaySeconds: number, then: string[]): string {
  const env = { GT_TOWN_ROOT: town.root, GT_ROLE: 'deacon', GT_SIM_WORK: '0', GT_SESSION: 'hq-deacon', GT_TMUX_SOCKET: socket };
  const script = `sleep ${delaySeconds}; exec "$@"`;
  const r = tmux('new-session', '-d', '-s', 'hq-deacon', '-c', town.root, ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]), '--', 'sh', '-c', script, 'sh', ...then);
  assert.is(r.status, 0, r.stderr);
  return panePid();
}

test('a session still starting inside its grace is waited for, not killed', async () => {
  const pid = startByHand(1.5, [process.execPath, GT_BIN, 'sim']);
  const r = await gt(['up', '--json', '--town', town.root]);
  assert.is(r.code, 0, r.stderr + r.stdout);
  const deacon = JSON.parse(r.stdout).sessions.find((s: { session: string }) => s.session === 'hq-deacon');
  assert.is(deacon.status, 'running', JSON.stringify(deacon));
  assert.is(panePid(), pid, 'the session that was starting is the one running');
  const agents = JSON.parse((await gt(['agents', '--json', '--town', town.root])).stdout) as Array<{ identity: string; liveness: string; pid?: number }>;
  assert.is(agents.find((a) => a.identity === 'deacon')?.liveness, 'alive');
  const log = readFileSync(join(town.root, 'daemon', 'daemon.log'), 'utf8').split('\n');
  assert.equal(log.filter((l) => /\b(killed|restarted) deacon\b/.test(l)), [], 'the daemon left it alone too');
});

test('a session that never becomes an agent is replaced once its grace is over', async () => {
  await gt(['down', '--town', town.root]);
  await waitFor('no deacon session', () => tmux('has-session', '-t', '=hq-deacon').status !== 0, 10_000);
  const pid = startByHand(600, ['true']);
  const started = Date.now();
  const r = await gt(['up', '--json', '--town', town.root]);
  assert.is(r.code, 0, r.stderr + r.stdout);
  const deacon = JSON.parse(r.stdout).sessions.find((s: { session: string }) => s.session === 'hq-deacon');
  // The daemon replaces it, once its grace is over: when gt up asks (restarted), or by itself at the
  // grace's end before gt up asks (a run started since gt up began: started).
  assert.ok(['restarted', 'started', 'running'].includes(deacon.status), JSON.stringify(deacon));
  assert.ok(Date.now() - started >= GRACE_MS - 1_000, 'not before the grace was over');
  await waitFor('a sim deacon in a new pane', async () => {
    const agents = JSON.parse((await gt(['agents', '--json', '--town', town.root])).stdout) as Array<{ identity: string; liveness: string }>;
    return panePid() !== pid && agents.find((a) => a.identity === 'deacon')?.liveness === 'alive';
  }, 15_000);
});

test.run();

/**
 * GT_TMUX_SOCKET names the town's tmux server for every command, the daemon included (it used
 * to be dropped from the daemon's environment: the daemon ran the agents on the derived socket,
 * `gt agents` showed them dead, and `gt down` left them running unsupervised).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { gt, makeTown, townSocket, waitFor, type TempTown } from '../helpers/town.js';

const SOCKET = `gt-test-${process.pid}-custom`;
const env = { GT_TMUX_SOCKET: SOCKET };
let town: TempTown;
let derived: string;

const sessionsOn = (socket: string): string[] => {
  const r = spawnSync('tmux', ['-L', socket, 'list-sessions', '-F', '#{session_name}'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim().split('\n').filter(Boolean).sort() : [];
};

async function ok(args: string[]): Promise<string> {
  const r = await gt([...args, '--town', town.root], { env });
  assert.is(r.code, 0, `gt ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const alive = async (): Promise<boolean> => {
  const agents = JSON.parse(await ok(['agents', '--json'])) as Array<{ identity: string; liveness: string }>;
  return ['deacon', 'mayor'].every((id) => agents.find((a) => a.identity === id)?.liveness === 'alive');
};

test.before(async () => {
  town = await makeTown({ agent: 'sim', settings: { daemon: { recovery_interval: '300ms' }, restart: { initial_backoff: '100ms', max_backoff: '200ms' } } });
  town.daemonSettings({ env: { GT_SIM_WORK: '0' } });
  derived = await townSocket(town.root);
});
test.after(async () => {
  await gt(['down', '--town', town.root], { env }).catch(() => undefined);
  spawnSync('tmux', ['-L', SOCKET, 'kill-server'], { stdio: 'ignore' });
  await town.cleanup();
});

test('daemon, gt agents and gt down all use the socket GT_TMUX_SOCKET names', async () => {
  assert.is.not(derived, SOCKET);
  await ok(['daemon', 'start']);
  await waitFor('deacon and mayor alive on the named socket', alive, 30_000);
  assert.ok(sessionsOn(SOCKET).includes('hq-mayor'), `sessions on ${SOCKET}: ${sessionsOn(SOCKET).join(', ')}`);
  assert.equal(sessionsOn(derived), [], 'nothing on the socket derived from the town path');
  // The daemon supervises them there: a killed agent comes back on the same server.
  spawnSync('tmux', ['-L', SOCKET, 'kill-session', '-t', '=hq-mayor']);
  await waitFor('the mayor back on the named socket', () => sessionsOn(SOCKET).includes('hq-mayor'), 20_000);
  await waitFor('alive again', alive, 20_000);
  const down = await gt(['down', '--town', town.root], { env, timeoutMs: 90_000 });
  assert.is(down.code, 0, down.stderr);
  assert.match(down.stdout, /daemon stopped/);
  assert.equal(sessionsOn(SOCKET), [], 'gt down stopped every session');
});

test.run();

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gt, makeTown, waitFor, type TempTown } from '../helpers/town.js';
import { pidRunning } from '../../internal/fsx/proc.js';

let town: TempTown;
let pid: number;
test.before(async () => {
  // No agents to supervise: the only lines logged are the ones this test provokes.
  town = await makeTown({
    settings: { daemon: { recovery_interval: '10m', log_max_size: '4KB', log_keep: 2 }, roles: { mayor: { enabled: false } } },
    daemonSettings: { patrols: { deacon: { enabled: false } } },
  });
  const r = await gt(['daemon', 'start', '--town', town.root]);
  if (r.code !== 0) throw new Error(r.stderr);
  pid = Number(/pid (\d+)/.exec(r.stdout)![1]);
});
test.after(async () => town.cleanup());

/** Send junk lines on the control socket: each one makes the daemon log a warning. */
function sendJunk(lines: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(join(town.root, 'daemon', 'control.sock'));
    let got = '';
    s.setEncoding('utf8');
    s.on('data', (d) => {
      got += d;
      if (got.split('\n').length > lines.length) (s.end(), resolve(got));
    });
    s.on('error', reject);
    s.on('connect', () => s.write(lines.map((l) => `${l}\n`).join('')));
  });
}

test('bad control-socket input is answered with JSON-RPC errors and logged; the daemon keeps running', async () => {
  const replies = (await sendJunk(['not json', '{"jsonrpc":"2.0"}', '{"jsonrpc":"2.0","id":7,"method":"nope"}', '{"jsonrpc":"2.0","id":8,"method":"tick","params":{"reason":5}}']))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const codes = replies.map((r) => r.error?.code).sort();
  assert.equal(codes, [-32700, -32602, -32601, -32600].sort());
  assert.ok(pidRunning(pid));
  const st = await gt(['daemon', 'status', '--town', town.root]);
  assert.is(st.code, 0);
});

test('rotation keeps daemon.log and its archives under the budget while lines are logged in a loop', async () => {
  // Junk warnings are logged at most once a minute per kind (a hostile client must not be able to
  // rotate the record away), so the flood here is of fast-path notifications, one line each.
  for (let i = 0; i < 40; i++) {
    await sendJunk(Array.from({ length: 25 }, (_, j) => JSON.stringify({ jsonrpc: '2.0', id: j, method: 'notify', params: { event: 'pane-exited', session: `s${i}-${j}-${'x'.repeat(30)}` } })));
  }
  const dir = join(town.root, 'daemon');
  await waitFor('archives', () => readdirSync(dir).includes('daemon.log.2'));
  const logs = readdirSync(dir).filter((f) => f.startsWith('daemon.log'));
  assert.equal(logs.sort(), ['daemon.log', 'daemon.log.1', 'daemon.log.2']);
  let total = 0;
  for (const f of logs) {
    const size = statSync(join(dir, f)).size;
    assert.ok(size <= 4096, `${f}: ${size} bytes`);
    total += size;
  }
  assert.ok(total <= 3 * 4096, `total ${total}`);
  assert.ok(pidRunning(pid));
  const logsCmd = await gt(['daemon', 'logs', '-n', '3', '--town', town.root]);
  assert.is(logsCmd.code, 0);
  assert.is(logsCmd.stdout.trim().split('\n').length, 3);
  assert.match(logsCmd.stdout, /DEBUG (fast path: pane-exited|tick \d+)/);
});

test.run();

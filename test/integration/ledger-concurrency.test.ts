/**
 * Many processes against one ledger, released at the same instant through a barrier
 * (each child prints "ready", then waits for "go" on stdin): a fresh ledger opened by 50
 * processes at once, and 50 processes racing to hook one bead.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { withLedger, SCHEMA_VERSION } from '../../internal/ledger/index.js';
import { townLayout } from '../../internal/town/layout.js';

const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const N = Number(process.env.GT_RACE_N ?? 50);
const work = mkdtempSync(join(tmpdir(), 'gt-ledger-race-'));

const CHILD = `
import { createInterface } from 'node:readline';
import { openLedger } from ${JSON.stringify(join(REPO, 'internal/ledger/index.ts'))};
import { townLayout } from ${JSON.stringify(join(REPO, 'internal/town/layout.ts'))};
const [mode, root, i, beadId] = process.argv.slice(2);
const layout = townLayout(root);
let ledger = mode === 'hook' ? openLedger(layout) : undefined;
process.stdout.write('ready\\n');
const rl = createInterface({ input: process.stdin });
rl.once('line', () => {
  rl.close();
  process.stdin.destroy();
  try {
    ledger ??= openLedger(layout);
    const out = mode === 'hook'
      ? ledger.trySetHook({ address: 'r1/p' + i, prefix: 'gt' }, beadId)
      : ledger.createBead({ prefix: 'gt', title: 'bead ' + i });
    process.stdout.write(JSON.stringify(mode === 'hook' ? { won: out.won } : { id: out.id }) + '\\n');
    ledger.close();
  } catch (e) {
    process.stderr.write(String(e && e.stack || e) + '\\n');
    process.exitCode = 1;
  }
});
`;
const childFile = join(work, 'child.ts');
writeFileSync(childFile, CHILD);

interface Child {
  proc: ChildProcess;
  out: string;
  err: string;
  ready: Promise<void>;
  done: Promise<number>;
}

function startChild(args: string[]): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', childFile, ...args], { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] });
  const c = { proc, out: '', err: '' } as Child;
  c.ready = new Promise((ok, fail) => {
    proc.stdout!.on('data', (d) => {
      c.out += d;
      if (c.out.includes('ready\n')) ok();
    });
    proc.on('exit', () => fail(new Error(`child exited before ready: ${c.err}`)));
  });
  proc.stderr!.on('data', (d) => (c.err += d));
  c.done = new Promise((ok) => proc.on('close', (code) => ok(code ?? -1)));
  return c;
}

/** Start all, wait until every one is ready, release them together, collect results. */
async function race(argsOf: (i: number) => string[]): Promise<Array<{ code: number; result: any; err: string }>> {
  const kids: Child[] = [];
  try {
    for (let i = 0; i < N; i++) kids.push(startChild(argsOf(i)));
    await Promise.all(kids.map((k) => k.ready));
    for (const k of kids) k.proc.stdin!.end('go\n');
    const codes = await Promise.all(kids.map((k) => k.done));
    return kids.map((k, i) => {
      const line = k.out.split('\n').find((l) => l.startsWith('{'));
      return { code: codes[i]!, result: line ? JSON.parse(line) : undefined, err: k.err };
    });
  } finally {
    for (const k of kids) if (k.proc.exitCode === null) k.proc.kill('SIGKILL');
  }
}

test.after(() => rmSync(work, { recursive: true, force: true }));

test(`${N} processes opening a fresh ledger at once: one migrates, every write lands`, async () => {
  const root = mkdtempSync(join(work, 'town-'));
  const results = await race((i) => ['create', root, String(i)]);
  for (const r of results) assert.is(r.code, 0, r.err);
  const ids = results.map((r) => r.result?.id as string);
  assert.is(new Set(ids).size, N, 'distinct ids');
  const listed = withLedger(townLayout(root), (l) => l.listBeads()).map((b) => b.id);
  assert.equal([...listed].sort(), [...ids].sort());
  const db = new Database(townLayout(root).ledgerFile, { readonly: true });
  assert.is(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
  db.close();
});

test(`${N} processes racing to hook one bead: exactly one wins`, async () => {
  const root = mkdtempSync(join(work, 'town-'));
  const layout = townLayout(root);
  const beadId = withLedger(layout, (l) => l.createBead({ prefix: 'gt', title: 'contested' }).id);
  const results = await race((i) => ['hook', root, String(i), beadId]);
  for (const r of results) assert.is(r.code, 0, r.err);
  const winners = results.map((r, i) => (r.result?.won ? i : -1)).filter((i) => i >= 0);
  assert.is(winners.length, 1, `winners: ${JSON.stringify(winners)}`);
  withLedger(layout, (l) => {
    const bead = l.getBead(beadId)!;
    assert.is(bead.status, 'hooked');
    assert.is(bead.assignee, `r1/polecats/p${winners[0]}`);
    const agents = l.listAgentBeads();
    assert.is(agents.length, 1, 'losers leave no agent bead');
    assert.is(agents[0]!.hook_bead, beadId);
  });
});

test.run();

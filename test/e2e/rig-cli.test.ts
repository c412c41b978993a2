/**
 * The rig and mq commands through the built CLI (run `npx tsc -p tsconfig.json` first):
 * JSON output, concurrent adds, park/dock, a broken registry, and remove vs. running sessions.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tmux, createSession, hasSession, killServer, socketPath, townSocketName } from '../../internal/tmux/index.js';
import { gt, makeTown, tempDir, type TempTown } from '../helpers/town.js';
import { makeSourceRepo } from '../helpers/rig-repo.js';

let town: TempTown;
let src: string;
let srcDir: string;
let socket: string | undefined;

test.before(async () => {
  town = await makeTown({ agent: 'sim' });
  srcDir = tempDir('gt-rig-src-');
  src = makeSourceRepo(join(srcDir, 'src'), { files: { 'a.txt': 'a\n' } });
});
test.after(async () => {
  // Only the town's own server, by its socket name; never the default server.
  if (socket) {
    await killServer(new Tmux(socket));
    rmSync(socketPath(socket), { force: true });
  }
  await town?.cleanup();
  rmSync(srcDir, { recursive: true, force: true });
});

const G = (args: string[]) => gt([...args, '--town', town.root], { timeoutMs: 180_000 });
const rigs = () => JSON.parse(readFileSync(join(town.root, 'mayor', 'rigs.json'), 'utf8')).rigs as Record<string, { prefix: string; state?: string }>;

function noStack(r: { stderr: string }): void {
  assert.not.match(r.stderr, /\n\s+at /, 'no stack trace');
  assert.is(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
}

test('rig add --json, list --json, park/dock round trip', async () => {
  const add = await G(['rig', 'add', 'web', src, '--prefix', 'wb', '--json']);
  assert.is(add.code, 0, add.stderr);
  const r = JSON.parse(add.stdout);
  assert.equal([r.name, r.prefix, r.main_branch, r.state], ['web', 'wb', 'main', 'active']);
  assert.ok(existsSync(join(town.root, 'web', 'mayor', 'rig', 'a.txt')));

  for (const [verb, state] of [['park', 'parked'], ['unpark', 'active'], ['dock', 'docked'], ['undock', 'active']] as const) {
    const s = await G(['rig', verb, 'web', '--json']);
    assert.is(s.code, 0, s.stderr);
    assert.is(JSON.parse(s.stdout).state, state);
    const list = await G(['rig', 'list', '--json']);
    assert.is(list.code, 0, list.stderr);
    const web = (JSON.parse(list.stdout) as Array<{ name: string; state: string; prefix: string; main_branch: string; git_url: string; agent: string | null }>).find((x) => x.name === 'web')!;
    assert.equal([web.state, web.prefix, web.main_branch, web.git_url, web.agent], [state, 'wb', 'main', src, null]);
    assert.is(rigs().web!.state, state);
  }
  const human = await G(['rig', 'list']);
  assert.match(human.stdout, /^NAME\s+PREFIX\s+STATE/);
  assert.match(human.stdout, /web\s+wb\s+active\s+main/);

  const dup = await G(['rig', 'add', 'web', src]);
  assert.is(dup.code, 1);
  noStack(dup);
  const bad = await G(['rig', 'add', 'bad', join(srcDir, 'missing')]);
  assert.is(bad.code, 1);
  noStack(bad);
  assert.not.ok(existsSync(join(town.root, 'bad')));
});

test('5 concurrent rig adds with clashing default prefixes keep every entry, prefixes unique', async () => {
  const names = ['alpha1', 'alpha2', 'alpha3', 'alpha4', 'alpha5'];
  const runs = await Promise.all(names.map((n) => G(['rig', 'add', n, src, '--json'])));
  runs.forEach((r, i) => assert.is(r.code, 0, `${names[i]}: ${r.stderr}`));
  const reg = rigs();
  for (const n of names) assert.ok(reg[n], `${n} registered`);
  const prefixes = Object.values(reg).map((x) => x.prefix);
  assert.is(new Set(prefixes).size, prefixes.length, `unique prefixes: ${prefixes.join(',')}`);
  for (const n of names) assert.ok(existsSync(join(town.root, n, 'refinery', 'rig', 'a.txt')), `${n} refinery worktree`);
  assert.equal(
    runs.map((r) => JSON.parse(r.stdout).prefix).sort(),
    names.map((n) => reg[n]!.prefix).sort(),
  );
});

test('rig remove refuses while a rig session runs, and --force kills it and removes everything', async () => {
  const add = await G(['rig', 'add', 'svc', src, '--prefix', 'svc']);
  assert.is(add.code, 0, add.stderr);
  socket = townSocketName(town.root);
  const tmux = new Tmux(socket, { timeoutMs: 20_000 });
  const created = await createSession(tmux, { name: 'svc-witness', cwd: join(town.root, 'svc', 'witness'), command: ['sleep', '600'] });
  assert.is(created.died, false);

  const refused = await G(['rig', 'remove', 'svc']);
  assert.is(refused.code, 1);
  noStack(refused);
  assert.match(refused.stderr, 'svc-witness');
  assert.match(refused.stderr, '--force');
  assert.ok(existsSync(join(town.root, 'svc', 'mayor', 'rig')), 'nothing removed');
  assert.ok(rigs().svc);
  assert.ok(await hasSession(tmux, 'svc-witness'));

  const forced = await G(['rig', 'remove', 'svc', '--force', '--json']);
  assert.is(forced.code, 0, forced.stderr);
  assert.equal(JSON.parse(forced.stdout).killed, ['svc-witness']);
  assert.not.ok(await hasSession(tmux, 'svc-witness'));
  assert.not.ok(existsSync(join(town.root, 'svc')));
  assert.not.ok(rigs().svc);
  assert.ok(rigs().web, 'other rigs untouched');
  const gone = await G(['rig', 'remove', 'svc']);
  assert.is(gone.code, 1);
  noStack(gone);
});

test('mq commands: submit, list, process through the CLI', async () => {
  const list = await G(['mq', 'list', 'web', '--json']);
  assert.is(list.code, 0, list.stderr);
  assert.equal(JSON.parse(list.stdout), []);
  const sub = await G(['mq', 'submit', 'web', 'nobody', '--bead', 'wb-x1']);
  assert.is(sub.code, 1, 'branch must exist');
  noStack(sub);
  const proc = await G(['mq', 'process', 'web', '--json']);
  assert.is(proc.code, 0, proc.stderr);
  assert.equal(JSON.parse(proc.stdout).processed, []);
});

test('a corrupted or foreign mayor/rigs.json: clear one-line error, exit 1, no stack trace', async () => {
  const file = join(town.root, 'mayor', 'rigs.json');
  const good = readFileSync(file, 'utf8');
  const cases: Array<[string, RegExp]> = [
    ['{"version":1, "rigs": {', /mayor\/rigs\.json: not valid JSON/],
    ['{"version":1,"rigs":{"x":{"url":"https://example.com/x.git"}}}', /mayor\/rigs\.json: rigs\.x/],
    ['{"name":"something else","items":[1,2,3]}', /mayor\/rigs\.json: /],
    ['{"version":1,"rigs":{"x":{"git_url":"/x","prefix":"Bad Prefix","added_at":"2024-01-01T00:00:00Z"}}}', /mayor\/rigs\.json: rigs\.x\.prefix/],
  ];
  try {
    for (const [text, want] of cases) {
      writeFileSync(file, text);
      for (const args of [['rig', 'list'], ['rig', 'list', '--json'], ['rig', 'add', 'other', src], ['rig', 'park', 'web'], ['mq', 'list'], ['rig', 'remove', 'web']]) {
        const r = await G(args);
        assert.is(r.code, 1, `${args.join(' ')} with ${text}`);
        assert.match(r.stderr, want, `${args.join(' ')}: ${r.stderr}`);
        noStack(r);
      }
      assert.is(readFileSync(file, 'utf8'), text, 'a broken registry is never overwritten');
    }
  } finally {
    writeFileSync(file, good);
  }
});

test.run();

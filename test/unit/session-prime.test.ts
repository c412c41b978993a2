/** `gt prime` through the built CLI (make build first) against a temp town. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gt, makeTown, type TempTown } from '../helpers/town.js';

let town: TempTown;
// Run as if outside any agent session, whatever the environment of the test runner.
const clean = { GT_ROLE: '', GT_RIG: '', GT_POLECAT: '', GT_CREW: '', GT_SESSION: '', GT_TOWN_ROOT: '' };

test.before(async () => {
  town = await makeTown({ agent: 'sim' });
  writeFileSync(
    join(town.root, 'mayor', 'rigs.json'),
    JSON.stringify({ version: 1, rigs: { web: { git_url: '/src/web', prefix: 'wb', added_at: new Date().toISOString() } } }),
  );
});
test.after(async () => town?.cleanup());

test('from the session env: polecat instructions with values filled in', async () => {
  const r = await gt(['prime'], { env: { ...clean, GT_TOWN_ROOT: town.root, GT_ROLE: 'polecat', GT_RIG: 'web', GT_POLECAT: 'toast' } });
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, '# You are polecat toast of rig web in town');
  assert.match(r.stdout, 'Identity: `web/polecats/toast` · session: `wb-toast`');
  assert.match(r.stdout, `${town.root}/web/polecats/toast`);
  assert.not.match(r.stdout, '{{');
});

test('--json with explicit --role/--rig/--name from inside the town', async () => {
  const r = await gt(['prime', '--json', '--role', 'crew', '--rig', 'web', '--name', 'max'], { cwd: town.root, env: clean });
  assert.is(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as Record<string, string>;
  assert.is(j.role, 'crew');
  assert.is(j.identity, 'web/crew/max');
  assert.is(j.session, 'wb-crew-max');
  assert.match(j.instructions!, 'Crew workspace max in rig web');
  const d = JSON.parse((await gt(['prime', '--json', '--role', 'deacon'], { cwd: town.root, env: clean })).stdout) as Record<string, string>;
  assert.equal([d.role, d.identity, d.session], ['deacon', 'deacon', 'hq-deacon']);
  assert.match(d.instructions!, 'gt deacon heartbeat');
});

test('outside an agent session with no --role: usage error', async () => {
  const r = await gt(['prime'], { cwd: town.root, env: clean });
  assert.is(r.code, 2);
  assert.match(r.stderr, 'not inside an agent session');
  assert.match(r.stderr, '--role');
  assert.is(r.stdout, '');
});

test('bad input: unknown role, missing rig or name, unknown rig, hostile names', async () => {
  const cases: Array<[string[], number, string]> = [
    [['--role', 'king'], 1, 'unknown role'],
    [['--role', 'witness'], 2, 'needs a rig'],
    [['--role', 'polecat', '--rig', 'web'], 2, 'needs a name'],
    [['--role', 'witness', '--rig', 'nope'], 1, 'not in mayor/rigs.json'],
    [['--role', 'polecat', '--rig', 'web', '--name', '$(id)'], 1, 'invalid polecat name'],
    [['--role', 'witness', '--rig', 'a;b'], 1, 'invalid rig name'],
  ];
  for (const [args, code, msg] of cases) {
    const r = await gt(['prime', ...args], { cwd: town.root, env: clean });
    assert.is(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, msg, args.join(' '));
  }
});

test.run();

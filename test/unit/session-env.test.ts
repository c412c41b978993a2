import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GtError } from '../../internal/errors.js';
import { roleEnv } from '../../internal/session/env.js';

const town = '/srv/gt town';

test('town roles', () => {
  assert.equal(roleEnv({ town, role: 'deacon' }), {
    BD_ACTOR: 'deacon',
    GIT_AUTHOR_NAME: 'deacon',
    GT_ROLE: 'deacon',
    GT_SESSION: 'hq-deacon',
    GT_TOWN_ROOT: town,
  });
  assert.is(roleEnv({ town, role: 'boot' }).GT_SESSION, 'hq-boot');
});

test('rig roles carry the rig, polecat and crew their names', () => {
  assert.equal(roleEnv({ town, role: 'witness', rig: 'web', prefix: 'wb' }), {
    BD_ACTOR: 'web/witness',
    GIT_AUTHOR_NAME: 'web/witness',
    GT_RIG: 'web',
    GT_ROLE: 'witness',
    GT_SESSION: 'wb-witness',
    GT_TOWN_ROOT: town,
  });
  const p = roleEnv({ town, role: 'polecat', rig: 'web', prefix: 'wb', name: 'toast' });
  assert.is(p.GT_POLECAT, 'toast');
  assert.is(p.BD_ACTOR, 'web/polecats/toast');
  assert.is(p.GT_SESSION, 'wb-toast');
  assert.is(p.GT_CREW, undefined);
  const c = roleEnv({ town, role: 'crew', rig: 'web', prefix: 'wb', name: 'max' });
  assert.is(c.GT_CREW, 'max');
  assert.is(c.GIT_AUTHOR_NAME, 'max', "crew commits under the person's workspace name");
  assert.is(c.GT_POLECAT, undefined);
  assert.is(c.GT_SESSION, 'wb-crew-max');
});

test('extra env layers merge in order but never override gt identity variables', () => {
  const env = roleEnv({
    town,
    role: 'polecat',
    rig: 'web',
    prefix: 'wb',
    name: 'toast',
    extra: [{ FOO: 'runtime', BAR: 'runtime', BD_ACTOR: 'mayor' }, { FOO: 'role', GT_ROLE: 'mayor', GT_TOWN_ROOT: '/elsewhere' }],
  });
  assert.is(env.FOO, 'role');
  assert.is(env.BAR, 'runtime');
  assert.is(env.BD_ACTOR, 'web/polecats/toast');
  assert.is(env.GT_ROLE, 'polecat');
  assert.is(env.GT_TOWN_ROOT, town);
});

test('invalid input is refused', () => {
  const bad = (o: Parameters<typeof roleEnv>[0], what: string) => {
    try {
      roleEnv(o);
    } catch (e) {
      assert.ok(e instanceof GtError && e.code === 'INVALID_INPUT', `${what}: ${String(e)}`);
      return;
    }
    assert.unreachable(what);
  };
  bad({ town: 'relative/town', role: 'mayor' }, 'relative town');
  bad({ town: '/t\0x', role: 'mayor' }, 'NUL in town');
  bad({ town, role: 'witness', rig: 'web' }, 'no prefix');
  bad({ town, role: 'witness', prefix: 'wb' }, 'no rig');
  bad({ town, role: 'polecat', rig: 'web', prefix: 'wb', name: '$(id)' }, 'hostile name');
  bad({ town, role: 'mayor', extra: [{ 'A B': 'x' }] }, 'bad env name');
  bad({ town, role: 'mayor', extra: [{ A: 'x\0' }] }, 'NUL env value');
  bad({ town, role: 'king' as never }, 'unknown role');
});

test.run();

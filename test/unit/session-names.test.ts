import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ROLES } from '../../internal/config/roles.js';
import { nameSchema } from '../../internal/config/schema-helpers.js';
import { GtError } from '../../internal/errors.js';
import { AGENT_NAME_RE, SESSION_NAME_RE, assertEnvName } from '../../internal/names.js';
import { validateSessionName } from '../../internal/tmux/names.js';
import {
  identity,
  identityOf,
  parseIdentity,
  parseSessionName,
  sessionName,
  workdir,
} from '../../internal/session/names.js';

const HOSTILE = ['a;rm -rf x', '$(id)', '`id`', "it's", '"q"', 'has space', 'ünï', '日本', 'a/b', '../x', '', '-lead', 'a\nb', 'x'.repeat(64)];

function throwsInvalid(fn: () => unknown, what: string) {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof GtError, `${what}: expected a GtError, got ${String(e)}`);
    assert.is((e as GtError).code, 'INVALID_INPUT', what);
    return;
  }
  assert.unreachable(`${what}: expected an error`);
}

test('one rule per name: config, sessions and tmux agree', () => {
  for (const n of ['a', 'web-2', 'x'.repeat(63), 'x'.repeat(64), '-lead', 'a b']) {
    assert.is(nameSchema.safeParse(n).success, AGENT_NAME_RE.test(n), n);
  }
  // A session name tmux would refuse is refused when gt builds it, not when tmux is asked.
  const long = 'x'.repeat(101);
  assert.not.ok(SESSION_NAME_RE.test(long));
  throwsInvalid(() => validateSessionName(long), 'tmux');
  throwsInvalid(() => parseIdentity(`${long}/witness`), 'identity');
  throwsInvalid(() => assertEnvName('1X'), 'env');
  assert.is(assertEnvName('GT_ROLE'), 'GT_ROLE');
});

test('session names follow design section 4', () => {
  assert.is(sessionName('mayor'), 'hq-mayor');
  assert.is(sessionName('deacon'), 'hq-deacon');
  assert.is(sessionName('boot'), 'hq-boot');
  assert.is(sessionName('witness', { prefix: 'gt' }), 'gt-witness');
  assert.is(sessionName('refinery', { prefix: 'gt' }), 'gt-refinery');
  assert.is(sessionName('polecat', { prefix: 'gt', name: 'toast' }), 'gt-toast');
  assert.is(sessionName('crew', { prefix: 'gt', name: 'max' }), 'gt-crew-max');
});

test('identities follow design section 1', () => {
  assert.is(identity('mayor'), 'mayor');
  assert.is(identity('deacon'), 'deacon');
  assert.is(identity('boot'), 'boot');
  assert.is(identity('witness', { rig: 'web' }), 'web/witness');
  assert.is(identity('refinery', { rig: 'web' }), 'web/refinery');
  assert.is(identity('polecat', { rig: 'web', name: 'toast' }), 'web/polecats/toast');
  assert.is(identity('crew', { rig: 'web', name: 'max' }), 'web/crew/max');
});

test('workdirs follow design section 3', () => {
  assert.is(workdir('mayor'), 'mayor');
  assert.is(workdir('deacon'), 'deacon');
  assert.is(workdir('boot'), 'deacon/dogs/boot');
  assert.is(workdir('witness', { rig: 'web' }), 'web/witness');
  assert.is(workdir('refinery', { rig: 'web' }), 'web/refinery/rig');
  assert.is(workdir('polecat', { rig: 'web', name: 'a' }), 'web/polecats/a');
  assert.is(workdir('crew', { rig: 'web', name: 'a' }), 'web/crew/a');
});

test('parseIdentity accepts every form and round-trips', () => {
  const cases: Array<[string, object, string]> = [
    ['mayor', { role: 'mayor' }, 'mayor'],
    ['mayor/', { role: 'mayor' }, 'mayor'],
    ['deacon', { role: 'deacon' }, 'deacon'],
    ['deacon/', { role: 'deacon' }, 'deacon'],
    ['boot', { role: 'boot' }, 'boot'],
    ['  web/witness ', { role: 'witness', rig: 'web' }, 'web/witness'],
    ['web/refinery', { role: 'refinery', rig: 'web' }, 'web/refinery'],
    ['web/polecats/toast', { role: 'polecat', rig: 'web', name: 'toast' }, 'web/polecats/toast'],
    ['web/toast', { role: 'polecat', rig: 'web', name: 'toast' }, 'web/polecats/toast'],
    ['web/crew/max', { role: 'crew', rig: 'web', name: 'max' }, 'web/crew/max'],
  ];
  for (const [input, ref, canonical] of cases) {
    const got = parseIdentity(input);
    assert.equal(got, ref, input);
    assert.is(identityOf(got), canonical, input);
    assert.equal(parseIdentity(identityOf(got)), got, `${input} canonical form parses back`);
  }
});

test('parseIdentity refuses malformed and hostile identities', () => {
  for (const bad of ['', '/', 'mayor//', 'web/', 'web/polecats', 'web/polecats/', 'web/crew', 'web/crew/', 'web/x/y', 'a/b/c/d', 'web/polecats/a;b', '$(id)/witness', 'web/$(id)', 'w b/witness', 'ünï/witness']) {
    throwsInvalid(() => parseIdentity(bad), JSON.stringify(bad));
  }
});

test('hostile names are refused everywhere, never embedded', () => {
  for (const h of HOSTILE) {
    throwsInvalid(() => sessionName('polecat', { prefix: 'gt', name: h }), `polecat ${JSON.stringify(h)}`);
    throwsInvalid(() => sessionName('crew', { prefix: 'gt', name: h }), `crew ${JSON.stringify(h)}`);
    throwsInvalid(() => sessionName('witness', { prefix: h }), `prefix ${JSON.stringify(h)}`);
    throwsInvalid(() => identity('witness', { rig: h }), `rig ${JSON.stringify(h)}`);
    throwsInvalid(() => identity('polecat', { rig: 'web', name: h }), `identity name ${JSON.stringify(h)}`);
  }
  throwsInvalid(() => sessionName('nope' as never), 'unknown role');
});

test('names that would collide with other sessions are refused', () => {
  throwsInvalid(() => sessionName('polecat', { prefix: 'gt', name: 'witness' }), 'polecat named witness');
  throwsInvalid(() => sessionName('polecat', { prefix: 'gt', name: 'refinery' }), 'polecat named refinery');
  throwsInvalid(() => sessionName('polecat', { prefix: 'gt', name: 'crew-max' }), 'polecat named crew-*');
  throwsInvalid(() => sessionName('witness', { prefix: 'hq' }), 'rig prefix hq');
  throwsInvalid(() => sessionName('witness', { prefix: 'Gt' }), 'uppercase prefix');
  throwsInvalid(() => sessionName('witness', {}), 'missing prefix');
  throwsInvalid(() => sessionName('polecat', { prefix: 'gt' }), 'missing name');
});

test('every session name gt makes is a valid tmux target and maps back to its agent', () => {
  const rigs = { gt: 'gastown', web2: 'web' };
  const agents = [
    { role: 'mayor' },
    { role: 'deacon' },
    { role: 'boot' },
    { role: 'witness', rig: 'gastown' },
    { role: 'refinery', rig: 'web' },
    { role: 'polecat', rig: 'gastown', name: 'toast_1' },
    { role: 'polecat', rig: 'web', name: 'crew' },
    { role: 'crew', rig: 'web', name: 'max-2' },
  ] as const;
  const prefixOf = (rig?: string) => Object.entries(rigs).find(([, r]) => r === rig)?.[0];
  const seen = new Set<string>();
  for (const a of agents) {
    const s = sessionName(a.role, { prefix: prefixOf('rig' in a ? a.rig : undefined), name: 'name' in a ? a.name : undefined });
    assert.ok(SESSION_NAME_RE.test(s), s);
    assert.not.ok(seen.has(s), `unique ${s}`);
    seen.add(s);
    assert.equal(parseSessionName(s, rigs), { ...a }, s);
  }
  assert.is(parseSessionName('other-witness', rigs), undefined, 'unknown prefix is not ours');
  assert.is(parseSessionName('hq-nope', rigs), undefined);
  assert.is(parseSessionName('main', rigs), undefined);
  assert.is(parseSessionName('gt-a;b', rigs), undefined);
  assert.is(parseSessionName('constructor-witness', rigs), undefined, 'no prototype lookups');
  assert.is(ROLES.length, 7);
});

test.run();

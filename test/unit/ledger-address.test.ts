import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { canonicalAddress, canonicalSender, parseAddress, parseMailAddress } from '../../internal/ledger/address.js';
import { agentBeadId, defaultSessionName, identityFromEnv } from '../../internal/ledger/identity.js';
import { GtError } from '../../internal/errors.js';

const canonical: Array<[string, string]> = [
  ['mayor/', 'mayor/'],
  ['mayor', 'mayor/'],
  ['deacon', 'deacon/'],
  ['deacon/', 'deacon/'],
  ['boot', 'boot/'],
  ['r1/witness', 'r1/witness'],
  ['r1/witness/', 'r1/witness'],
  ['r1/refinery', 'r1/refinery'],
  ['r1/polecats/toast', 'r1/polecats/toast'],
  ['r1/toast', 'r1/polecats/toast'],
  ['r1/crew/max', 'r1/crew/max'],
  ['  my_rig-2/crew/a-b  ', 'my_rig-2/crew/a-b'],
];

test('every accepted form normalises to its canonical address', () => {
  for (const [input, want] of canonical) assert.is(canonicalAddress(input), want, input);
});

test('canonical addresses are fixed points', () => {
  for (const [, want] of canonical) assert.is(canonicalAddress(want), want);
});

test('parsed identity carries role, rig and name', () => {
  assert.equal(parseAddress('r1/toast'), { role: 'polecat', rig: 'r1', name: 'toast', address: 'r1/polecats/toast' });
  assert.equal(parseAddress('r1/crew/max'), { role: 'crew', rig: 'r1', name: 'max', address: 'r1/crew/max' });
  assert.equal(parseAddress('r1/witness'), { role: 'witness', rig: 'r1', address: 'r1/witness' });
  assert.equal(parseAddress('mayor'), { role: 'mayor', address: 'mayor/' });
});

test('unknown forms are INVALID_INPUT naming the valid forms', () => {
  for (const bad of ['', '/', 'r1', 'r1/', 'r1/polecats', 'r1/crew/', 'a/b/c/d', 'r1/dogs/x', 'r 1/witness', 'r1/to ast', 'mayor/witness', '../x', 'r1//x']) {
    try {
      canonicalAddress(bad);
      assert.unreachable(`accepted ${JSON.stringify(bad)}`);
    } catch (e) {
      assert.ok(e instanceof GtError, `${bad}: ${String(e)}`);
      assert.is((e as GtError).code, 'INVALID_INPUT');
      assert.match((e as GtError).line, '<rig>/polecats/<name>');
      assert.not.match((e as GtError).line, '\n');
    }
  }
});

test('the person: "overseer" (also "human") is a mail address and sender, never an agent', () => {
  for (const t of ['overseer', 'overseer/', ' human ', 'human']) assert.is(canonicalAddress(t), 'overseer', t);
  assert.equal(parseMailAddress('overseer'), { role: 'overseer', address: 'overseer' });
  assert.equal(parseMailAddress('r1/toast').address, 'r1/polecats/toast');
  assert.throws(() => parseAddress('overseer'), /invalid agent identity|invalid address/);
  assert.throws(() => canonicalAddress('overseer/witness'), /not a rig/);
});

test('senders: addresses or the person', () => {
  assert.is(canonicalSender('human'), 'overseer');
  assert.is(canonicalSender('overseer'), 'overseer');
  assert.is(canonicalSender('r1/toast'), 'r1/polecats/toast');
  assert.throws(() => canonicalSender('somebody'), /invalid address/);
});

test('identity from the session env', () => {
  assert.is(identityFromEnv({}), undefined);
  assert.is(identityFromEnv({ GT_ROLE: 'mayor' })?.address, 'mayor/');
  assert.is(identityFromEnv({ GT_ROLE: 'deacon' })?.address, 'deacon/');
  assert.is(identityFromEnv({ GT_ROLE: 'witness', GT_RIG: 'r1' })?.address, 'r1/witness');
  assert.is(identityFromEnv({ GT_ROLE: 'refinery', GT_RIG: 'r1' })?.address, 'r1/refinery');
  assert.is(identityFromEnv({ GT_ROLE: 'polecat', GT_RIG: 'r1', GT_POLECAT: 'toast' })?.address, 'r1/polecats/toast');
  assert.is(identityFromEnv({ GT_ROLE: 'crew', GT_RIG: 'r1', GT_CREW: 'max' })?.address, 'r1/crew/max');
  assert.is(identityFromEnv({ GT_ROLE: 'r1/witness' })?.address, 'r1/witness');
  assert.throws(() => identityFromEnv({ GT_ROLE: 'polecat', GT_RIG: 'r1' }), /GT_POLECAT/);
  assert.throws(() => identityFromEnv({ GT_ROLE: 'witness' }), /GT_RIG/);
  assert.throws(() => identityFromEnv({ GT_ROLE: 'janitor' }), /not a role/);
});

test('agent bead ids and default session names follow the design', () => {
  assert.is(agentBeadId(parseAddress('mayor')), 'hq-mayor');
  assert.is(agentBeadId(parseAddress('deacon/')), 'hq-deacon');
  assert.is(agentBeadId(parseAddress('r1/witness'), 'gt'), 'gt-r1-witness');
  assert.is(agentBeadId(parseAddress('r1/toast'), 'gt'), 'gt-r1-polecat-toast');
  assert.is(agentBeadId(parseAddress('r1/crew/max'), 'gt'), 'gt-r1-crew-max');
  assert.throws(() => agentBeadId(parseAddress('r1/witness')), /prefix/);
  assert.is(defaultSessionName(parseAddress('deacon')), 'hq-deacon');
  assert.is(defaultSessionName(parseAddress('r1/refinery'), 'gt'), 'gt-refinery');
  assert.is(defaultSessionName(parseAddress('r1/toast'), 'gt'), 'gt-toast');
  assert.is(defaultSessionName(parseAddress('r1/crew/max'), 'gt'), 'gt-crew-max');
  assert.is(defaultSessionName(parseAddress('r1/crew/max')), undefined);
});

test.run();

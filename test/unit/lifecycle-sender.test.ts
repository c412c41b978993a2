/**
 * Who may ask the daemon to cycle, restart or shut down an agent (issue 10, finding 3): the agent
 * itself, the deacon, the mayor, or the witness of the agent's own rig, by the sender the ledger
 * recorded. Everyone else (a person, a polecat, another rig's witness or refinery) is refused.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { lifecycleSenderAllowed, refusedLine } from '../../internal/daemon/policy/lifecycle-sender.js';
import type { AgentSpec } from '../../internal/session/resolve.js';

const refinery: AgentSpec = { role: 'refinery', rig: 'shop', prefix: 'sh', identity: 'shop/refinery', session: 'sh-refinery', workdir: 'shop/refinery/rig' };
const polecat: AgentSpec = { role: 'polecat', rig: 'shop', prefix: 'sh', name: 'nux', identity: 'shop/polecats/nux', session: 'sh-nux', workdir: 'shop/polecats/nux' };
const deacon: AgentSpec = { role: 'deacon', identity: 'deacon', session: 'hq-deacon', workdir: 'deacon' };

test('allowed: the agent itself, the deacon, the mayor, its own rig witness (in any form gt mail records)', () => {
  for (const [sender, target] of [
    ['shop/refinery', refinery],
    ['deacon', refinery],
    ['deacon/', refinery],
    ['mayor', refinery],
    ['mayor/', polecat],
    ['shop/witness', refinery],
    ['shop/witness', polecat],
    ['shop/polecats/nux', polecat],
    ['deacon', deacon],
    ['mayor', deacon],
  ] as const) {
    assert.ok(lifecycleSenderAllowed(sender, target), `${sender} -> ${target.identity}`);
  }
});

test('refused: a person, another rig witness, a refinery or a polecat for someone else, garbage', () => {
  for (const [sender, target] of [
    ['overseer', refinery],
    ['other/witness', refinery],
    ['other/witness', polecat],
    ['shop/refinery', polecat],
    ['shop/polecats/rictus', polecat],
    ['shop/polecats/nux', refinery],
    ['shop/witness', deacon],
    ['', refinery],
    ['not an identity', refinery],
  ] as const) {
    assert.not.ok(lifecycleSenderAllowed(sender, target), `${sender} -> ${target.identity}`);
  }
});

test('the refusal line names the real sender and who would be allowed', () => {
  assert.is(
    refusedLine('msg-1', 'shutdown', 'shop/refinery', 'other/polecats/nux', 'shop'),
    'lifecycle request msg-1 (shutdown shop/refinery) refused: sent by "other/polecats/nux", not one of the agent itself, deacon, mayor, shop/witness',
  );
});

test.run();

import { UsageError } from '../../errors.js';
import type { TownLayout } from '../../town/layout.js';
import { HUMAN_SENDER, canonicalSender, parseMailAddress, type MailAddress } from '../../ledger/address.js';
import { identityFromEnv } from '../../ledger/identity.js';
import { readRigs, requireRig } from '../../ledger/rigs.js';
import type { MailMessage } from '../../ledger/mail.js';
import { shortTime } from './bead-common.js';
import { oneLine, safeBlock } from '../../safe-text.js';

/** Who sends: --from, else the session identity (GT_ROLE & co), else the person ("overseer"). */
export function senderOf(from: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (from !== undefined) return canonicalSender(from);
  return identityFromEnv(env)?.address ?? HUMAN_SENDER;
}

/** Whose inbox: the address given, else the caller's own identity. */
export function inboxOwner(address: string | undefined, env: NodeJS.ProcessEnv = process.env): MailAddress {
  if (address !== undefined) return parseMailAddress(address);
  const me = identityFromEnv(env);
  if (!me) throw new UsageError('outside an agent session gt does not know whose inbox to show', "name one, e.g. 'gt mail inbox mayor/'");
  return me;
}

/** A rig address must name a registered rig: a typo should fail, not vanish into an unread inbox. */
export function requireKnownRig(layout: TownLayout, who: MailAddress): void {
  if (who.rig !== undefined) requireRig(readRigs(layout), who.rig);
}

export function messageLines(m: MailMessage): string[] {
  const lines = [
    `id:       ${m.id}`,
    `from:     ${oneLine(m.from)}`,
    `to:       ${oneLine(m.to)}`,
    `date:     ${m.created_at}`,
    `subject:  ${oneLine(m.subject)}`,
  ];
  if (m.status === 'closed') lines.push('status:   claimed');
  lines.push('', ...safeBlock(m.body).split('\n'));
  return lines;
}

export function inboxRows(msgs: MailMessage[]): string[][] {
  return msgs.map((m) => [m.read ? ' ' : '*', m.id, shortTime(m.created_at), m.from, m.subject]);
}

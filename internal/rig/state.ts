import { GtError } from '../errors.js';
import type { RigEntry } from '../config/town-files.js';
import type { TownLayout } from '../town/layout.js';
import { updateRig } from './registry.js';

export type RigState = NonNullable<RigEntry['state']>;
export type RigStateVerb = 'park' | 'unpark' | 'dock' | 'undock';

/**
 * park/dock take a rig out of service (the daemon starts none of its agents); unpark/undock put
 * it back. Parking is short-term, docking long-term: a docked rig is not "unparked" by accident,
 * and docking a parked rig is allowed (it only gets quieter).
 */
const TRANSITIONS: Record<RigStateVerb, { to: RigState; from: readonly RigState[] }> = {
  park: { to: 'parked', from: ['active', 'parked'] },
  dock: { to: 'docked', from: ['active', 'parked', 'docked'] },
  unpark: { to: 'active', from: ['parked', 'active'] },
  undock: { to: 'active', from: ['docked', 'active'] },
};

export interface StateChange {
  name: string;
  from: RigState;
  state: RigState;
  changed: boolean;
}

export async function setRigState(layout: TownLayout, name: string, verb: RigStateVerb): Promise<StateChange> {
  const t = TRANSITIONS[verb];
  let from: RigState = 'active';
  const entry = await updateRig(layout, name, (e) => {
    from = e.state ?? 'active';
    if (!t.from.includes(from)) {
      const fix = from === 'docked' ? `gt rig undock ${name}` : `gt rig unpark ${name}`;
      throw new GtError('CONFLICT', `rig ${name} is ${from}; cannot ${verb} it`, { hint: `first: ${fix}` });
    }
    return { ...e, state: t.to };
  });
  return { name, from, state: entry.state ?? 'active', changed: from !== entry.state };
}

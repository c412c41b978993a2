// The rigs registry belongs to the town (internal/town/rigs.ts); re-exported for ledger callers.
export { readRigs, requireRig } from '../town/rigs.js';

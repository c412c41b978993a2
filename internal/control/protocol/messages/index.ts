/**
 * The control methods: one table that the client calls through and the server's handler table
 * (internal/control/handlers/index.ts) must cover, key for key. Callers name a method by its
 * entry here, never by a string.
 */
import { ESTOP, THAW } from './estop.js';
import { NOTIFY } from './notify.js';
import { PING } from './ping.js';
import { STATUS } from './status.js';
import { SUBSCRIBE } from './subscribe.js';
import { TICK } from './tick.js';
import { QUESTION } from './question.js';
import { METRICS } from './metrics.js';
import { RECONCILE } from './reconcile.js';

export const METHODS = {
  ping: PING,
  status: STATUS,
  tick: TICK,
  notify: NOTIFY,
  subscribe: SUBSCRIBE,
  estop: ESTOP,
  thaw: THAW,
  question: QUESTION,
  metrics: METRICS,
  reconcile: RECONCILE,
} as const;

export type Methods = typeof METHODS;
export type MethodName = keyof Methods;

export * from './ping.js';
export * from './status.js';
export * from './tick.js';
export * from './notify.js';
export * from './subscribe.js';
export * from './question.js';
export * from './metrics.js';
export * from './reconcile.js';
export * from './estop.js';

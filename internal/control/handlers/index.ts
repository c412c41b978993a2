/**
 * The server's method table: one handle-<method>.ts per method of protocol/messages (METHODS),
 * and the type below makes a method without a handler (or a handler for another method's name)
 * a compile error.
 */
import type { MethodName, Methods } from '../protocol/messages/index.js';
import type { MethodHandler } from '../server.js';
import type { ControlContext } from './context.js';
import { handleEstop } from './handle-estop.js';
import { handleNotify } from './handle-notify.js';
import { handlePing } from './handle-ping.js';
import { handleStatus } from './handle-status.js';
import { handleSubscribe } from './handle-subscribe.js';
import { handleThaw } from './handle-thaw.js';
import { handleTick } from './handle-tick.js';
import { handleQuestion } from './handle-question.js';
import { handleMetrics } from './handle-metrics.js';
import { handleReconcile } from './handle-reconcile.js';

export const HANDLERS: { readonly [K in MethodName]: MethodHandler<Methods[K], ControlContext> } = {
  ping: handlePing,
  status: handleStatus,
  tick: handleTick,
  notify: handleNotify,
  subscribe: handleSubscribe,
  estop: handleEstop,
  thaw: handleThaw,
  question: handleQuestion,
  metrics: handleMetrics,
  reconcile: handleReconcile,
};

export type { ControlContext } from './context.js';

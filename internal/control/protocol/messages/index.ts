export * from './ping.js';
export * from './status.js';
export * from './tick.js';
export * from './notify.js';
export * from './subscribe.js';
export * from './question.js';
export * from './metrics.js';
export * from './reconcile.js';

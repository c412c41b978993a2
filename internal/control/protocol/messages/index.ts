export * from './ping.js';
export * from './status.js';
export * from './tick.js';
export * from './notify.js';
export * from './subscribe.js';

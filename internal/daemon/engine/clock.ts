/**
 * The engine's clock: epoch milliseconds that only ever move forward. Anchored to the wall
 * clock once, then advanced by the monotonic clock, so a wall-clock jump (NTP, a suspended
 * laptop's resync) cannot make backoffs or grace periods expire early or last forever.
 */
export function monotonicEpochClock(): () => number {
  const anchor = Date.now() - performance.now();
  return () => Math.round(anchor + performance.now());
}

import type { Settings } from '../config/settings.js';
import type { TownLayout } from '../town/layout.js';
import type { Logger } from './logger.js';
import type { DaemonState } from './state.js';

export interface TickContext {
  layout: TownLayout;
  log: Logger;
  settings: () => Settings;
  state: DaemonState;
}

/**
 * One tick: observe -> decide (pure) -> act, then record. The foundation records the tick;
 * the heartbeat engine fills in observe/decide/act.
 */
export async function runTick(ctx: TickContext, reasons: string[]): Promise<void> {
  const started = performance.now();
  const startedAt = new Date();
  ctx.state.tick_count += 1;
  ctx.state.last_tick = startedAt.toISOString();
  ctx.state.last_tick_ms = Math.round((performance.now() - started) * 1000) / 1000;
  ctx.state.last_tick_actions = {};
  if (!reasons.every((r) => r === 'interval')) ctx.log.debug(`tick ${ctx.state.tick_count} (${reasons.join(', ')})`);
}
